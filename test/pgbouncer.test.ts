/**
 * Behind PgBouncer in transaction mode: the real app with DATABASE_URL at a
 * PgBouncer of the test's own (support/pgbouncer.ts), three server
 * connections in its pool and a second name for the database with one,
 * prepared statements off (DATABASE_PREPARED_STATEMENTS=0:
 * PgBouncer before 1.21 cannot keep them in transaction mode), and
 * DATABASE_LISTEN_URL straight to PostgreSQL, since a LISTEN cannot outlive
 * a pooled transaction. Queries, mutations and their roles work through the
 * pooler, concurrently; a failed mutation leaves nothing behind on the
 * pooled server connection; a subscription is told of a write through the
 * listening connection, which is a direct one.
 *
 * Needs TEST_DATABASE_URL (skipped without it, like every PostgreSQL test)
 * and pgbouncer (Debian's pgbouncer package, which CI installs): without it
 * the test is skipped on a developer's machine and fails in CI.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { openPostgres, type DatabaseConnection } from '../src/db/database.ts';
import { LISTENER_APPLICATION_NAME } from '../src/db/listener.ts';
import { trades } from '../src/db/schema.ts';
import { builder } from '../src/schema/builder.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { resetTables, tradeInput } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { startLiveServer, type LiveAppServer } from './support/live-server.ts';
import { pgbouncerUnavailableReason, startPgBouncer, type PgBouncer } from './support/pgbouncer.ts';
import { subscribeSse } from './support/sse.ts';
import { untilSubscribers } from './support/ws.ts';
import { openTestDatabase, type TestDatabase } from './support/test-database.ts';

const onPostgres = inject('postgresTemplate') !== null;
const unavailable = pgbouncerUnavailableReason();
if (unavailable && process.env.CI) {
  throw new Error(`The PgBouncer test needs pgbouncer: ${unavailable}`);
}

const UPSERT = 'mutation($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }';
const LATEST = '{ latestTrades(limit: 100) { id } }';
// The same schema with every authScopes check switched off: only the database's grants guard it.
const unguardedSchema = builder.toSchema({ disableScopeAuth: true, sortSchema: false });
/** PgBouncer's second name for the test database: a pool of one server connection. */
const SINGLE = 'single';

describe.skipIf(!onPostgres || unavailable !== undefined)('behind PgBouncer in transaction mode', () => {
  /** The test's database, straight to PostgreSQL: fixtures. */
  let direct: TestDatabase;
  /** Straight to PostgreSQL, for pg_stat_activity. */
  let activity: postgres.Sql;
  let bouncer: PgBouncer;
  /** The app's connection: DATABASE_URL through PgBouncer (3 server connections), DATABASE_LISTEN_URL direct. */
  let pooled: DatabaseConnection;
  let server: LiveAppServer;
  /** Another app through PgBouncer on one server connection: every transaction takes turns on it. */
  let single: DatabaseConnection;
  let singleApp: App;
  /** The same, without GraphQL's role checks: only the database's grants guard it. */
  let singleUnguarded: App;
  let producer: Record<string, string>;

  beforeAll(async () => {
    direct = await openTestDatabase('postgres');
    activity = postgres(direct.url!, { max: 1, onnotice: () => {} });
    bouncer = await startPgBouncer(direct.url!, { poolSize: 3, aliases: { [SINGLE]: 1 } });
    pooled = openPostgres({ url: bouncer.url, listenUrl: direct.url!, preparedStatements: 0 });
    server = await startLiveServer(pooled);
    single = openPostgres({ url: bouncer.urlOf(SINGLE), listenUrl: direct.url!, preparedStatements: 0 });
    singleApp = createTestApp(single);
    singleUnguarded = createTestApp(single, { schema: unguardedSchema });
    producer = await producerHeaders();
  });
  afterAll(async () => {
    await server?.close();
    await singleApp?.dispose();
    await singleUnguarded?.dispose();
    await pooled?.close();
    await single?.close();
    await bouncer?.destroy();
    await activity?.end({ timeout: 1 });
    await direct?.close();
  });
  beforeEach(() => resetTables(direct.db));

  /** The server connections of one of PgBouncer's pools (the test database's own name, or SINGLE). */
  const serverConnections = async (pool = databaseName()) =>
    (await bouncer.admin('show servers')).filter((row) => row.database === pool);
  const databaseName = () => new URL(direct.url!).pathname.slice(1);

  it('serves queries and mutations through PgBouncer', async () => {
    const upsert = await graphql(
      server.app,
      UPSERT,
      { trades: [tradeInput('a'), tradeInput('b')] },
      producer,
    );
    expect(errorsOf(upsert)).toEqual([]);
    expect(upsert.data).toEqual({ upsertTrades: { insertedCount: 2 } });

    const read = await graphql(server.app, LATEST);
    expect(errorsOf(read)).toEqual([]);
    expect(read.data.latestTrades.map((row: { id: string }) => row.id).sort()).toEqual(['a', 'b']);

    // It went through PgBouncer: its clients are the app's connections, on one server connection.
    const clients = await bouncer.admin('show clients');
    expect(clients.some((row) => row.application_name === 'folioql')).toBe(true);
    const servers = await serverConnections();
    expect(servers.length).toBeGreaterThanOrEqual(1);
    expect(servers.length).toBeLessThanOrEqual(3);
  });

  it('serves 30 concurrent reads and writes, mixed, on one server connection', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? graphql(singleApp, UPSERT, { trades: [tradeInput(`t${i}`)] }, producer)
          : graphql(singleApp, LATEST),
      ),
    );
    for (const [i, result] of results.entries()) {
      expect(errorsOf(result), `request ${i}`).toEqual([]);
      expect(result.status).toBe(200);
      if (i % 2 === 0) expect(result.data).toEqual({ upsertTrades: { insertedCount: 1 } });
      else expect(Array.isArray(result.data.latestTrades)).toBe(true);
    }
    const read = await graphql(singleApp, LATEST);
    expect(read.data.latestTrades.map((row: { id: string }) => row.id).sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `t${i * 2}`).sort(),
    );
    expect(await serverConnections(SINGLE)).toHaveLength(1);
  });

  // Several server connections: a named COMMIT prepared on one and executed
  // on another once lost about half of these writes while answering
  // insertedCount 1 (postgres.js prepared it again inside the aborted
  // transaction, and PostgreSQL answered that COMMIT with a silent ROLLBACK).
  // With DATABASE_PREPARED_STATEMENTS=0 postgres.js's own statements go
  // unnamed too (src/db/database.ts).
  it('keeps every acknowledged write of 30 concurrent requests, on several server connections', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? graphql(server.app, UPSERT, { trades: [tradeInput(`t${i}`)] }, producer)
          : graphql(server.app, LATEST),
      ),
    );
    for (const [i, result] of results.entries()) {
      expect(errorsOf(result), `request ${i}`).toEqual([]);
      expect(result.status).toBe(200);
      if (i % 2 === 0) expect(result.data).toEqual({ upsertTrades: { insertedCount: 1 } });
      else expect(Array.isArray(result.data.latestTrades)).toBe(true);
    }
    const read = await graphql(server.app, LATEST);
    expect(read.data.latestTrades.map((row: { id: string }) => row.id).sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `t${i * 2}`).sort(),
    );
    expect((await serverConnections()).length).toBeLessThanOrEqual(3);
  });

  it('runs each request as its own role, concurrently, on the shared server connection', async () => {
    // viewer { role } is what GraphQL decided; the write, with GraphQL's
    // checks off, is what PostgreSQL decided for the role the transaction set:
    // granted to the producer, refused (42501) to the anonymous caller. A role
    // left on the server connection by another transaction would show as a
    // refused producer write or an accepted anonymous one.
    const document = 'mutation($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }';
    const rounds = 40;
    const results = await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const asProducer = i % 2 === 0;
        const headers = asProducer ? producer : {};
        const [viewer, write] = await Promise.all([
          graphql(singleApp, '{ viewer { role } latestTrades(limit: 1) { id } }', {}, headers),
          graphql(singleUnguarded, document, { trades: [tradeInput(`r${i}`)] }, headers),
        ]);
        return { i, asProducer, viewer, write };
      }),
    );
    for (const { i, asProducer, viewer, write } of results) {
      expect(errorsOf(viewer), `request ${i}`).toEqual([]);
      expect(viewer.data.viewer.role, `request ${i}`).toBe(asProducer ? 'api_data_producer' : 'api_anon');
      if (asProducer) {
        expect(errorsOf(write), `write ${i}`).toEqual([]);
        expect(write.data).toEqual({ upsertTrades: { insertedCount: 1 } });
      } else {
        expect(errorsOf(write), `write ${i}`).toEqual([
          {
            code: 'FORBIDDEN',
            message: "The database refused this for the request's role: permission denied for table trades",
          },
        ]);
      }
    }
    const ids = (await direct.db.select({ id: trades.id }).from(trades)).map((row) => row.id).sort();
    expect(ids).toEqual(Array.from({ length: rounds / 2 }, (_, i) => `r${i * 2}`).sort());
    expect(await serverConnections(SINGLE)).toHaveLength(1);
  });

  it('rolls a failed mutation back, and the next request on the same server connection is unaffected', async () => {
    // A request that works, so the pool's one server connection is open.
    expect(errorsOf(await graphql(singleApp, LATEST))).toEqual([]);
    const [before] = await serverConnections(SINGLE);
    expect(before).toBeDefined();

    // Refused by the database halfway through the operation's transaction.
    const refused = await graphql(singleUnguarded, UPSERT, { trades: [tradeInput('refused')] });
    expect(errorsOf(refused)[0]?.code).toBe('FORBIDDEN');
    // Refused before the database: a batch naming one id twice.
    const twice = await graphql(
      singleApp,
      UPSERT,
      { trades: [tradeInput('dup'), tradeInput('dup', { amount: '2' })] },
      producer,
    );
    expect(errorsOf(twice)).not.toEqual([]);

    // The same server connection serves on: the anonymous caller is still
    // anonymous to the database, the producer can still write.
    const anonymousAgain = await graphql(singleUnguarded, UPSERT, { trades: [tradeInput('refused-again')] });
    expect(errorsOf(anonymousAgain)[0]?.code).toBe('FORBIDDEN');
    const viewer = await graphql(singleApp, '{ viewer { role } }');
    expect(viewer.data).toEqual({ viewer: { role: 'api_anon' } });
    const written = await graphql(singleApp, UPSERT, { trades: [tradeInput('after')] }, producer);
    expect(errorsOf(written)).toEqual([]);
    expect(written.data).toEqual({ upsertTrades: { insertedCount: 1 } });

    const ids = (await direct.db.select({ id: trades.id }).from(trades)).map((row) => row.id);
    expect(ids).toEqual(['after']);
    const after = await serverConnections(SINGLE);
    expect(after).toHaveLength(1);
    // Same backend connection: PgBouncer's local port to PostgreSQL is unchanged.
    expect(after[0]!.local_port).toBe(before!.local_port);
    // And nothing was left idle in a transaction on it.
    const [backend] = await activity<{ state: string }[]>`
      select state from pg_stat_activity
      where client_port = ${Number(before!.local_port)} and datname = current_database()`;
    expect(backend?.state).toBe('idle');
  });

  it('tells a subscription of a write, LISTENing on a direct connection', async () => {
    const subscription = await subscribeSse(
      fetch,
      server.url,
      'subscription { tradesChanged(market: KRAKEN) { trades { id } deletedIds } }',
    );
    try {
      expect(subscription.status).toBe(200);
      await untilSubscribers(server.app.changeFeed, 1);

      const upsert = await graphql(server.app, UPSERT, { trades: [tradeInput('live')] }, producer);
      expect(errorsOf(upsert)).toEqual([]);
      const [event] = await subscription.waitFor(1, 15_000);
      expect(event).toEqual({ data: { tradesChanged: { trades: [{ id: 'live' }], deletedIds: [] } } });
    } finally {
      subscription.close();
    }

    // The listening connection is PostgreSQL's client straight from this
    // process: its port is none of PgBouncer's server connections, and
    // PgBouncer has no client by that name.
    const listeners = await activity<{ client_port: number; query: string }[]>`
      select client_port, query from pg_stat_activity
      where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`;
    expect(listeners).toHaveLength(1);
    expect(listeners[0]!.query).toMatch(/^listen /i);
    const serverPorts = (await bouncer.admin('show servers')).map((row) => Number(row.local_port));
    expect(serverPorts.length).toBeGreaterThanOrEqual(1);
    expect(serverPorts).not.toContain(Number(listeners[0]!.client_port));
    const clients = await bouncer.admin('show clients');
    expect(clients.map((row) => row.application_name)).not.toContain(LISTENER_APPLICATION_NAME);
  });
});
