/**
 * Opening the database: postgres.js when a connection string is given, the
 * embedded PGlite otherwise. Both hand back the same drizzle interface, so
 * nothing above this module knows which one it runs on.
 */
import type { Logger } from 'drizzle-orm/logger';
import type { PgAsyncDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { DEFAULT_PREPARED_STATEMENTS } from '../config.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { withPreparedStatements } from './prepared-statements.ts';

/** The drizzle handle every query goes through: either driver, or a transaction of either. */
export type Database = PgAsyncDatabase<PgQueryResultHKT>;

export type DriverName = 'pglite' | 'postgres';

export interface DatabaseConnection {
  readonly driver: DriverName;
  readonly db: Database;
  /** One cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresOptions {
  url: string;
  poolMax?: number;
  /** How many distinct statements may be prepared on each connection; 0 for none (see prepared-statements.ts). */
  preparedStatements?: number;
  logger?: Logger;
}

export function openPostgres({
  url,
  poolMax = 10,
  preparedStatements = DEFAULT_PREPARED_STATEMENTS,
  logger,
}: PostgresOptions): DatabaseConnection {
  const client = postgres(url, {
    max: poolMax,
    connection: { application_name: 'folioql' },
    // Migrations' "already exists, skipping" notices are expected, not news.
    onnotice: () => {},
  });
  return {
    driver: 'postgres',
    db: drizzlePostgres({ client: withPreparedStatements(client, preparedStatements), logger }),
    async ping() {
      // Unprepared and without parameters: one round trip, nothing left on the connection.
      await client.unsafe('select 1');
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

export interface PgliteOptions {
  /** A directory to persist to; omitted means in memory. */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from, which skips initdb (tests). */
  loadDataDir?: Blob;
  logger?: Logger;
}

export async function openPglite({
  dataDir,
  loadDataDir,
  logger,
}: PgliteOptions): Promise<DatabaseConnection> {
  const lock = dataDir ? lockDataDir(dataDir) : undefined;
  try {
    // Loaded only when used: a server on PostgreSQL never needs PGlite's ~40 MB.
    const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('drizzle-orm/pglite'),
    ]);
    const client = await PGlite.create({ dataDir, loadDataDir });
    return {
      driver: 'pglite',
      db: drizzlePglite({ client, logger }),
      async ping() {
        await client.query('select 1');
      },
      async close() {
        try {
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  databasePoolMax?: number;
  databasePreparedStatements?: number;
  pgliteDataDir: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseConnection> {
  if (options.databaseUrl) {
    return openPostgres({
      url: options.databaseUrl,
      poolMax: options.databasePoolMax,
      preparedStatements: options.databasePreparedStatements,
    });
  }
  return openPglite({ dataDir: options.pgliteDataDir });
}
