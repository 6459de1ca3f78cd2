/**
 * What the role setup costs on the wire, counted by a TCP proxy between
 * folioql and PostgreSQL (not timed). The design (db/role-transaction.ts):
 *
 * - A read-only operation (a query) opens no transaction. Each of its
 *   statements goes out with the role setup (role, claims, read-only, timeout)
 *   ahead of it in the same batch, before one Sync: one round trip a
 *   statement, and PostgreSQL runs the pair as one implicit transaction.
 * - A mutation is BEGIN, one statement that sets the role, the claims, the
 *   timeout and takes the write lock, its own statements, then COMMIT; the
 *   setup goes out with its first statement, ahead of it.
 *
 * A change that spends more (a transaction around a read, waiting for the
 * setup, a SET per setting, a separate lock statement), skips the setup, or
 * lets any statement reach PostgreSQL before it fails here.
 *
 * Each statement takes one round trip because it is prepared on the
 * connection (db/prepared-statements.ts); an unnamed statement with
 * parameters takes two, as postgres.js describes it before running it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type DatabaseConnection } from '../src/db/database.ts';
import { seedDemoData } from '../src/db/demo-data.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { resetTables } from './support/fixtures.ts';
import { createTestApp, graphql } from './support/graphql.ts';
import { startRoundTripCounter, type RoundTripCounter } from './support/round-trip-counter.ts';
import { openTestDatabase, testDrivers, type TestDatabase } from './support/test-database.ts';

/** The Sync message (S, length 4) that ends each statement postgres.js sends. */
const SYNC = 'S\x00\x00\x00\x04';

/** BEGIN and COMMIT around a mutation. */
const TRANSACTION = 2;
/** The statement that switches role and claims (and locks, for writes) rides with a statement. */
const ROLE_SETUP = 0;

/** The messages of each batch the client sent in `trips`, as the statements they end with a Sync. */
const batchesOf = (trips: string[]) => trips.join('').split(SYNC).slice(0, -1);

describe.runIf(testDrivers.includes('postgres'))('round trips to PostgreSQL per operation', () => {
  let database: TestDatabase;
  let counter: RoundTripCounter;
  let proxied: DatabaseConnection;
  let app: App;
  let producer: Record<string, string>;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    await resetTables(database.db);
    await seedDemoData(database.db);
    counter = await startRoundTripCounter(database.url!);
    // One connection, so every statement of a run crosses the same counted socket.
    proxied = openPostgres({ url: counter.url, poolMax: 1 });
    app = createTestApp(proxied);
    producer = await producerHeaders();
  });

  afterAll(async () => {
    await proxied?.close();
    await counter?.close();
    await database?.close();
  });

  /**
   * Round trips of the second run (the first also connects and prepares new
   * statements), having checked that every batch a read sends carries the
   * read-only role setup with the caller's role ahead of its statement, and
   * that a mutation's first statement after BEGIN is its role setup.
   */
  async function roundTripsOf(
    query: string,
    variables?: Record<string, unknown>,
    headers: Record<string, string> = {},
    on = app,
  ) {
    const first = await graphql(on, query, variables, headers);
    expect(first.errors).toBeUndefined();
    counter.reset();
    const again = await graphql(on, query, variables, headers);
    expect(again.errors).toBeUndefined();
    if (counter.count() === 0) return 0;
    const role = headers.authorization ? 'api_data_producer' : 'api_anon';
    const [firstBatch, ...rest] = batchesOf(counter.trips());
    if (query.trimStart().startsWith('mutation')) {
      // BEGIN goes by the simple protocol (no Sync of its own), so the setup
      // (prepared: only its parameters show) ends the first batch.
      expect(firstBatch).toMatch(/^Q.*begin/s);
      expect(firstBatch).toContain(role);
    } else {
      for (const batch of [firstBatch!, ...rest]) {
        expect(batch).not.toMatch(/\bbegin\b/i);
        // The setup, then the statement, in one batch: Parse, Bind, Execute of each.
        const setupAt = batch.indexOf("set_config('transaction_read_only', 'on', true)");
        expect(setupAt).toBeGreaterThanOrEqual(0);
        expect(batch.indexOf(role)).toBeGreaterThan(setupAt);
        expect(batch.slice(setupAt).match(/E\x00\x00\x00\x09\x00/g)).toHaveLength(2);
      }
    }
    return counter.count();
  }

  it('an anonymous read of one statement: the role setup and the read in one batch, one round trip', async () => {
    expect(await roundTripsOf('{ latestTrades(limit: 5) { id } }')).toBe(ROLE_SETUP + 1);
    expect(batchesOf(counter.trips())).toHaveLength(1);
  });

  it('a producer read: the token changes the role, not the cost', async () => {
    expect(await roundTripsOf('{ latestTrades(limit: 5) { id } }', undefined, producer)).toBe(ROLE_SETUP + 1);
  });

  it('a page with its count: each statement carries the setup, and they may share a round trip', async () => {
    const trips = await roundTripsOf(
      '{ portfolioHistory(interval: WEEK, first: 10) { totalCount nodes { id } } }',
    );
    expect(batchesOf(counter.trips())).toHaveLength(2);
    expect(trips).toBeGreaterThanOrEqual(ROLE_SETUP + 1);
    expect(trips).toBeLessThanOrEqual(ROLE_SETUP + 2);
  });

  it('a write: the write lock rides in the role setup statement', async () => {
    const upsert = 'mutation($ids: [ID!]!) { deleteTrades(ids: $ids) { deletedCount } }';
    expect(await roundTripsOf(upsert, { ids: ['no-such-trade'] }, producer)).toBe(
      TRANSACTION + ROLE_SETUP + 1,
    );
  });

  it('prepares only as many distinct statements as allowed; the rest run unnamed, at two round trips each', async () => {
    const read = '{ latestTrades(limit: 5) { id } }';
    for (const [preparedStatements, expected] of [
      // Unnamed, the read waits for its description (the setup rides with that request).
      [0, 2],
      // The read is the one prepared; a read's setup is never described, so it is not prepared.
      [1, 1],
    ]) {
      const connection = openPostgres({ url: counter.url, poolMax: 1, preparedStatements });
      try {
        expect(await roundTripsOf(read, undefined, {}, createTestApp(connection))).toBe(expected);
      } finally {
        await connection.close();
      }
    }
  });

  it('an operation that reads no table costs none', async () => {
    expect(await roundTripsOf('{ viewer { role } }')).toBe(0);
  });
});
