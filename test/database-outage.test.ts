/**
 * Fail fast, recover alone: the real app on a PostgreSQL server of the
 * test's own (support/own-postgres.ts), which the test freezes (a hung host:
 * nothing answers), crashes (pg_ctl stop -m immediate) and starts again.
 * While the database is away, queries and mutations are answered 503
 * DATABASE_UNAVAILABLE within DATABASE_CONNECT_TIMEOUT_MS and /healthz 503
 * within HEALTH_TIMEOUT_MS; once it is back the same app serves again, and
 * every write it acknowledged is there, and none it refused.
 *
 * Needs initdb (Debian's postgresql package, which CI has): without it the
 * test is skipped on a developer's machine and fails in CI.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_CONNECT_TIMEOUT_MS, DEFAULT_HEALTH_TIMEOUT_MS } from '../src/config.ts';
import { openPostgres, type DatabaseConnection } from '../src/db/database.ts';
import { clientErrorFor } from '../src/db/errors.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { ERROR_CODES } from '../src/errors.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { tradeInput } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql, type GraphQLResult } from './support/graphql.ts';
import { ownPostgresUnavailableReason, startOwnPostgres, type OwnPostgres } from './support/own-postgres.ts';
import { openTestDatabase, type TestDatabase } from './support/test-database.ts';
import { subscribeSse, type SseSubscription } from './support/sse.ts';
import { untilSubscribers } from './support/ws.ts';

const unavailable = ownPostgresUnavailableReason();
if (unavailable && process.env.CI) {
  throw new Error(`The database outage test needs a PostgreSQL server of its own: ${unavailable}`);
}

/** Slack for the test machine on top of the configured timeouts. */
const SLACK_MS = 500;
const REQUEST_LIMIT_MS = DEFAULT_DATABASE_CONNECT_TIMEOUT_MS + SLACK_MS;
const HEALTH_LIMIT_MS = DEFAULT_HEALTH_TIMEOUT_MS + SLACK_MS;

const READ = '{ latestTrades(limit: 50) { id } }';
const LIVE_TRADES = 'subscription { tradesChanged { trades { id } } }';
const LIVE_TRADES_AFTER = 'subscription ($after: String) { tradesChanged(after: $after) { trades { id } } }';
const UPSERT = 'mutation($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }';

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

async function health(app: App): Promise<{ status: number; body: unknown }> {
  const response = await app.fetch('http://folioql.test/healthz');
  return { status: response.status, body: await response.json() };
}

function expectUnavailable(result: GraphQLResult<unknown>) {
  expect(result.status).toBe(503);
  expect(errorsOf(result)).toEqual([
    {
      code: ERROR_CODES.DATABASE_UNAVAILABLE,
      message: expect.stringMatching(/nothing was written\. Retry later$/),
    },
  ]);
  // Nothing of the driver's error leaks.
  expect(result.text).not.toMatch(/127\.0\.0\.1|ECONN|CONNECT_TIMEOUT|Unexpected error/);
}

describe.skipIf(unavailable !== undefined)('when PostgreSQL goes away and comes back', () => {
  let server: OwnPostgres | undefined;
  let database: DatabaseConnection | undefined;
  let app: App;
  let producer: Record<string, string>;

  const read = (app: App) => graphql<{ latestTrades: { id: string }[] }>(app, READ);
  const upsert = (app: App, id: string) => graphql(app, UPSERT, { trades: [tradeInput(id)] }, producer);
  const storedIds = async () => {
    const result = await read(app);
    expect(result.errors).toBeUndefined();
    return result.data!.latestTrades.map((trade) => trade.id);
  };

  beforeAll(async () => {
    server = await startOwnPostgres();
    const migrator = openPostgres({ url: server.url, poolMax: 1 });
    try {
      await runMigrations(migrator.db);
    } finally {
      await migrator.close();
    }
    // The server's defaults: DATABASE_CONNECT_TIMEOUT_MS 2000, HEALTH_TIMEOUT_MS 1000.
    database = openPostgres({ url: server.url, poolMax: 4 });
    app = createTestApp(database);
    producer = await producerHeaders();
  });

  afterAll(async () => {
    try {
      await app?.changeFeed.stop();
      await database?.close();
    } finally {
      await server?.destroy();
    }
  });

  it('serves, and acknowledges a write', async () => {
    const result = await upsert(app, 'before-outage');
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ upsertTrades: { insertedCount: 1 } });
    expect((await health(app)).status).toBe(200);
  });

  let live: SseSubscription;
  it('starts a subscription that is to outlive the outage', async () => {
    live = await subscribeSse(app.fetch as never, 'http://folioql.test/graphql', LIVE_TRADES);
    await untilSubscribers(app.changeFeed, 1);
  });

  it('waits for a busy pool that is making progress: slow is not down', async () => {
    const busy = openPostgres({ url: server!.url, poolMax: 1, connectTimeoutMs: 300 });
    try {
      // One connection, eight transactions of 100 ms: the last waits about
      // 700 ms for its turn, past the 300 ms, while the others keep finishing.
      const { ms } = await timed(() =>
        Promise.all(
          Array.from({ length: 8 }, () => busy.db.transaction((tx) => tx.execute(sql`select pg_sleep(0.1)`))),
        ),
      );
      expect(ms).toBeGreaterThan(700);
    } finally {
      await busy.close();
    }
  });

  it('answers 503 to an operation whose connection is cut under it, and keeps none of its writes', async () => {
    const locker = postgres(server!.url, { max: 1, onnotice: () => {} });
    const watcher = postgres(server!.url, { max: 1, onnotice: () => {} });
    try {
      let cut: GraphQLResult<unknown> | undefined;
      await locker.begin(async (tx) => {
        // The mutation's upsert waits for this lock, mid-transaction…
        await tx`lock table trades in access exclusive mode`;
        const pending = upsert(app, 'cut-off');
        let pid: number | undefined;
        while (pid === undefined) {
          const [row] = await watcher<{ pid: number }[]>`
            select pid from pg_stat_activity
            where application_name = 'folioql' and wait_event_type = 'Lock'`;
          pid = row?.pid;
        }
        // …until an administrator ends its session (SQLSTATE 57P01, as in a fast shutdown).
        await watcher`select pg_terminate_backend(${pid})`;
        cut = await pending;
      });
      expectUnavailable(cut!);
      expect(cut!.data ?? null).toBeNull();
      expect(await storedIds()).toEqual(['before-outage']);
    } finally {
      await Promise.all([locker.end(), watcher.end()]);
    }
  });

  /**
   * A read, a mutation, a readiness probe and a burst of reads (more than
   * the pool's connections, so most wait for one), all at once: each is
   * answered 503 within its timeout.
   */
  async function expectEverythingUnavailable(refusedId: string) {
    const [reading, writing, probe, ...burst] = await Promise.all([
      timed(() => read(app)),
      timed(() => upsert(app, refusedId)),
      timed(() => health(app)),
      ...Array.from({ length: 12 }, () => timed(() => read(app))),
    ]);
    expectUnavailable(reading.value);
    expectUnavailable(writing.value);
    expect(reading.ms).toBeLessThan(REQUEST_LIMIT_MS);
    expect(writing.ms).toBeLessThan(REQUEST_LIMIT_MS);
    expect(probe.value).toEqual({ status: 503, body: { status: 'unavailable', database: 'postgres' } });
    expect(probe.ms).toBeLessThan(HEALTH_LIMIT_MS);
    for (const { value, ms } of burst) {
      expectUnavailable(value);
      expect(ms).toBeLessThan(REQUEST_LIMIT_MS);
    }
  }

  it('answers 503 within the timeouts while the server hangs, and runs nothing it refused', async () => {
    server!.freeze();
    try {
      await expectEverythingUnavailable('refused-while-frozen');
    } finally {
      server!.thaw();
    }
    // The frozen connections come back to life and the begins they held go
    // through: each is rolled back before anything runs in it.
    expect(await storedIds()).toEqual(['before-outage']);
    expect(await storedIds()).toEqual(['before-outage']);
  });

  it('answers 503 at once while the server is down', async () => {
    // A crash: no clean end of sessions, recovery from the WAL on the next start.
    await server!.stop('immediate');
    await expectEverythingUnavailable('refused-while-down');
  });

  it('answers a subscription that must read the log (a cursor to resume from) at once while the server is down', async () => {
    // One without a cursor joins the feed and waits for the database like the one above.
    const { value: results, ms } = await timed(async () => {
      const stream = await subscribeSse(
        app.fetch as never,
        'http://folioql.test/graphql',
        LIVE_TRADES_AFTER,
        {
          after: Buffer.from('change:1').toString('base64url'),
        },
      );
      return stream.waitFor(1, REQUEST_LIMIT_MS * 2);
    });
    expect(results[0]?.errors?.map((error) => error.extensions?.code)).toEqual([
      ERROR_CODES.DATABASE_UNAVAILABLE,
    ]);
    expect(ms).toBeLessThan(REQUEST_LIMIT_MS * 2);
  });

  it('serves again once the server is back, with no restart of the app, and lost no acknowledged write', async () => {
    await server!.start();
    // The first operation after the restart is served: no restart of the app, no retry.
    const written = await upsert(app, 'after-outage');
    expect(written.status).toBe(200);
    expect(written.data).toEqual({ upsertTrades: { insertedCount: 1 } });
    // Acknowledged before the crash, and after it; neither refused write.
    expect((await storedIds()).sort()).toEqual(['after-outage', 'before-outage']);
    expect((await health(app)).status).toBe(200);
  });

  it('delivers to the subscription opened before the outage what was written after it', async () => {
    // The listening connection comes back by itself (with backoff) and catches up.
    const [event] = await live.waitFor(1, 15_000);
    expect(event?.data?.tradesChanged.trades.map((trade: { id: string }) => trade.id)).toEqual([
      'after-outage',
    ]);
  });
});

/**
 * Without a server of our own: real postgres.js errors from an address where
 * nothing listens and from one that accepts connections but never answers.
 */
describe('connection failures', () => {
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/postgres`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  /** Closes at once: a graceful close would wait for connection attempts that never end. */
  const closeNow = (database: DatabaseConnection) =>
    (database.db as unknown as { $client: { end(options: { timeout: number }): Promise<void> } }).$client
      .end({ timeout: 0 })
      .then(() => database.close());

  async function failureOf(database: DatabaseConnection): Promise<unknown> {
    try {
      await database.db.transaction((tx) => tx.execute(sql`select 1`));
    } catch (error) {
      return error;
    }
    throw new Error('expected the transaction to fail');
  }

  it('maps a refused connection to DATABASE_UNAVAILABLE', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const database = openPostgres({ url: `postgres://postgres@127.0.0.1:${closedPort}/postgres` });
    const error = await failureOf(database).finally(() => closeNow(database));
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(clientErrorFor(error)).toMatchObject({ code: ERROR_CODES.DATABASE_UNAVAILABLE, status: 503 });
  });

  it('gives up on a server that never answers after the connect timeout', async () => {
    const database = openPostgres({ url: silentUrl, connectTimeoutMs: 300 });
    const { value: error, ms } = await timed(() => failureOf(database)).finally(() => closeNow(database));
    expect(error).toMatchObject({
      code: expect.stringMatching(/^(CONNECT_TIMEOUT|CONNECTION_WAIT_TIMEOUT)$/),
    });
    expect(clientErrorFor(error)).toMatchObject({ code: ERROR_CODES.DATABASE_UNAVAILABLE, status: 503 });
    expect(ms).toBeLessThan(300 + SLACK_MS);
  });

  it('answers every request of a burst within the timeout, however many wait for the pool', async () => {
    const database = openPostgres({ url: silentUrl, poolMax: 2, connectTimeoutMs: 300 });
    try {
      const app = createTestApp(database, { healthTimeoutMs: 200 });
      const results = await Promise.all(Array.from({ length: 20 }, () => timed(() => graphql(app, READ))));
      for (const { value, ms } of results) {
        expectUnavailable(value);
        expect(ms).toBeLessThan(300 + SLACK_MS);
      }
      const probe = await timed(() => health(app));
      expect(probe.value.status).toBe(503);
      expect(probe.ms).toBeLessThan(200 + SLACK_MS);
    } finally {
      await closeNow(database);
    }
  });
});

describe('readiness on PGlite', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
  });
  afterAll(() => database.close());

  it('answers while a transaction holds the one connection: PGlite in this process is ready while open', async () => {
    const app = createTestApp(database);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await held;
    });
    try {
      const probe = await timed(() => health(app));
      expect(probe.value).toEqual({ status: 200, body: { status: 'ok', database: 'pglite' } });
      expect(probe.ms).toBeLessThan(HEALTH_LIMIT_MS);
    } finally {
      release();
      await transaction;
    }
  });
});
