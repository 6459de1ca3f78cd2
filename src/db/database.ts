/**
 * Opening the database: postgres.js when a connection string is given, the
 * embedded PGlite otherwise. Both hand back the same drizzle interface, so
 * nothing above this module knows which one it runs on.
 */
import type { Logger } from 'drizzle-orm/logger';
import type { PgAsyncDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import { DEFAULT_DATABASE_CONNECT_TIMEOUT_MS, DEFAULT_PREPARED_STATEMENTS } from '../config.ts';
import { connectionOptions, withConnectionDeadline } from './connection-deadline.ts';
import { Admission, type AdmissionOptions, type DatabaseLoad } from './admission.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { withPreparedStatements } from './prepared-statements.ts';
import { listenOnPostgres, type ListenHandlers, type Listening } from './listener.ts';
import { pgliteImage, startFromImage } from './pglite-image.ts';

/** The drizzle handle every query goes through: either driver, or a transaction of either. */
export type Database = PgAsyncDatabase<PgQueryResultHKT>;

export type DriverName = 'pglite' | 'postgres';

export interface DatabaseConnection {
  readonly driver: DriverName;
  readonly db: Database;
  /** For readiness checks: one cheap round trip on PostgreSQL; on PGlite, whether it is open. */
  ping(): Promise<void>;
  /** Who may use the database now: the write turn, and counts of operations waiting and holding connections. */
  readonly admission: Admission;
  /**
   * How busy the database is right now: operations holding a connection,
   * operations waiting for one, and write operations queued for the write turn.
   */
  load(): DatabaseLoad;
  /**
   * LISTEN on `channel`, on a connection of its own (PostgreSQL: outside the
   * pool, at DATABASE_LISTEN_URL if set; PGlite: its own LISTEN). Rejects if
   * the first LISTEN fails; after that it keeps listening, reconnecting as
   * needed, until closed (see listener.ts).
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Listening>;
  /**
   * PostgreSQL only: a handle that sends `prelude()` ahead of each of its
   * statements, in the same batch and implicit transaction: one round trip
   * for both, and the statement is not run if the prelude fails. It opens
   * no transactions of its own (role-transaction.ts, for read-only work).
   */
  withPrelude?(prelude: () => Prelude): Database;
  close(): Promise<void>;
}

/** A statement of text parameters whose rows are dropped (the patched driver's `prelude` option). */
export interface Prelude {
  string: string;
  parameters: string[];
}

export interface PostgresOptions {
  url: string;
  /** Where the listening connection goes, when not `url` (a pooler in transaction mode cannot keep a LISTEN). */
  listenUrl?: string;
  poolMax?: number;
  /** How many distinct statements may be prepared on each connection; 0 for none (see prepared-statements.ts). */
  preparedStatements?: number;
  /** Longest a connection attempt may take, and a transaction wait for one while the database is silent (see connection-deadline.ts). */
  connectTimeoutMs?: number;
  /** Bounds on waiting for a connection and for the write turn (see admission.ts); the connections are the pool's. */
  admission?: Partial<Omit<AdmissionOptions, 'connections'>>;
  logger?: Logger;
}

export function openPostgres({
  url,
  listenUrl = url,
  poolMax = 10,
  preparedStatements = DEFAULT_PREPARED_STATEMENTS,
  connectTimeoutMs = DEFAULT_DATABASE_CONNECT_TIMEOUT_MS,
  admission: admissionOptions,
  logger,
}: PostgresOptions): DatabaseConnection {
  const admission = new Admission({ ...admissionOptions, connections: poolMax });
  const client = postgres(url, {
    max: poolMax,
    // With preparing off, postgres.js's own statements (BEGIN, COMMIT,
    // ROLLBACK) go unnamed too. Behind a pooler that does not track named
    // statements (PgBouncer before 1.21, transaction mode), a COMMIT prepared
    // on one server connection and executed on another fails, postgres.js
    // prepares it again inside the now aborted transaction, and PostgreSQL
    // answers that COMMIT with a silent ROLLBACK. (The patched driver now
    // reports such a ROLLBACK as an error: COMMIT_ROLLED_BACK.)
    prepare: preparedStatements > 0,
    ...connectionOptions(connectTimeoutMs),
    connection: { application_name: 'folioql' },
    // Migrations' "already exists, skipping" notices are expected, not news.
    onnotice: () => {},
  });
  // Readiness asks on a connection of its own: through the pool it would
  // wait behind every busy connection, and a few slow reads would make a
  // healthy instance look dead to its load balancer.
  const probe = postgres(url, {
    max: 1,
    ...connectionOptions(connectTimeoutMs),
    connection: { application_name: 'folioql readiness' },
    // Closed after a minute unused; opened again by the next probe.
    idle_timeout: 60,
  });
  const pooled = withConnectionDeadline(withPreparedStatements(client, preparedStatements), connectTimeoutMs);
  return {
    driver: 'postgres',
    db: drizzlePostgres({ client: pooled, logger }),
    withPrelude(prelude) {
      // drizzle's session only calls `unsafe` (and `begin` for a transaction,
      // which such a handle has no use for). `simple: false`: the simple
      // protocol, postgres.js's default for a statement without parameters,
      // has no room for a prelude (the patched driver refuses it).
      const statementsWithPrelude = {
        options: client.options,
        unsafe: ((text, parameters, options) =>
          pooled.unsafe(text, parameters, {
            ...options,
            simple: false,
            prelude: prelude(),
          })) satisfies Sql['unsafe'],
        begin() {
          throw new Error('A handle whose statements carry a prelude opens no transactions');
        },
      };
      return drizzlePostgres({ client: statementsWithPrelude as unknown as Sql, logger });
    },
    async ping() {
      // Unprepared and without parameters: one round trip, nothing left on the connection.
      await probe.unsafe('select 1');
    },
    admission,
    load: () => admission.load(),
    listen: (channel, handlers) => listenOnPostgres(listenUrl, channel, handlers, { connectTimeoutMs }),
    async close() {
      await Promise.all([client.end({ timeout: 5 }), probe.end({ timeout: 1 })]);
    },
  };
}

export interface PgliteOptions {
  /** A directory to persist to; omitted means in memory. */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from, which skips initdb (tests). */
  loadDataDir?: Blob;
  /** A data directory a new `dataDir` starts as a copy of (pglite-image.ts). */
  image?: string;
  /** Take the data-dir lock (default); the build's image writer, alone on its directory, does not. */
  lockDir?: boolean;
  /** Bounds on waiting for a connection and for the write turn (see admission.ts); the connections are the pool's. */
  admission?: Partial<Omit<AdmissionOptions, 'connections'>>;
  logger?: Logger;
}

export async function openPglite({
  dataDir,
  loadDataDir,
  image,
  lockDir = true,
  admission: admissionOptions,
  logger,
}: PgliteOptions): Promise<DatabaseConnection> {
  // One connection: PGlite runs one transaction at a time.
  const admission = new Admission({ ...admissionOptions, connections: 1 });
  const lock = dataDir && lockDir ? lockDataDir(dataDir) : undefined;
  try {
    // Under the lock: two processes starting at once cannot both copy.
    if (dataDir && image) startFromImage(dataDir, image);
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
        // No query: PGlite runs in this process, so while it is open it is as
        // ready as the server itself. A query would wait behind every
        // transaction ahead of it on PGlite's one connection (a producer's
        // batch), and readiness would fail under load while nothing is wrong.
        if (client.closed) throw new Error('PGlite is closed');
      },
      admission,
      load: () => admission.load(),
      async listen(channel, { onNotify, onConnect }) {
        // In the same process: it cannot drop, so it connects once.
        const unlisten = await client.listen(channel, onNotify);
        onConnect();
        return { close: () => (client.closed ? Promise.resolve() : unlisten()) };
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
  databaseListenUrl?: string;
  databasePoolMax?: number;
  databasePreparedStatements?: number;
  databaseConnectTimeoutMs?: number;
  databaseAcquireTimeoutMs?: number;
  writeQueueMax?: number;
  writeWaitTimeoutMs?: number;
  pgliteDataDir: string;
  /** Which image a new embedded database starts from: with the demo portfolio, or empty. */
  seedDemoData?: boolean;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseConnection> {
  const admission = {
    acquireTimeoutMs: options.databaseAcquireTimeoutMs,
    writeQueueMax: options.writeQueueMax,
    writeWaitMs: options.writeWaitTimeoutMs,
  };
  if (options.databaseUrl) {
    return openPostgres({
      url: options.databaseUrl,
      listenUrl: options.databaseListenUrl,
      poolMax: options.databasePoolMax,
      preparedStatements: options.databasePreparedStatements,
      connectTimeoutMs: options.databaseConnectTimeoutMs,
      admission,
    });
  }
  // A new data directory starts as a copy of the build's image, not from initdb (see pglite-image.ts).
  return openPglite({
    dataDir: options.pgliteDataDir,
    image: pgliteImage(options.seedDemoData ? 'demo' : 'empty'),
    admission,
  });
}
