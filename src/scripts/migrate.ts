/**
 * `npm run db:migrate`: apply pending migrations to the configured database
 * (DATABASE_URL, or the PGlite directory), then exit. For deployments that
 * migrate as a separate step and start servers with MIGRATE_ON_START=false.
 */
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { runMigrations } from '../db/migrate.ts';

const config = loadConfig();
const database = await openDatabase(config);
try {
  await runMigrations(database.db);
  console.log(`Migrations applied to ${config.databaseUrl ? 'PostgreSQL' : config.pgliteDataDir}.`);
} finally {
  await database.close();
}
