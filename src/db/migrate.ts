/**
 * Applies the drizzle-kit migrations in drizzle/ to either driver.
 */
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate } from 'drizzle-orm/pg-core';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary, fixed: the advisory lock key every folioql instance migrates under. */
const MIGRATION_LOCK_KEY = 7_215_304_118;

/**
 * Runs pending migrations in one transaction that first takes a
 * transaction-scoped advisory lock, so instances starting together migrate
 * one after another (and the rest find nothing to do). A transaction-scoped
 * lock, unlike a session lock, also holds behind PgBouncer in transaction mode.
 */
export async function runMigrations(db: Database): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder });
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await migrate(migrations, tx, { migrationsFolder });
  });
}
