/**
 * What the role setup costs on the wire, counted by a TCP proxy between
 * folioql and PostgreSQL (not timed). The design (db/role-transaction.ts):
 * every operation that touches a table is BEGIN, one statement that sets
 * the role, the claims, the timeout and, for a mutation, takes the write
 * lock, then the operation's own statements, then COMMIT. The setup goes
 * out with the operation's first statement, ahead of it, in one round trip:
 * the role costs no round trip of its own, the transaction two. A change
 * that spends more (waiting for the setup, a SET per setting, a separate
 * lock statement), skips the setup, or lets any statement reach PostgreSQL
 * before it fails here.
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

/** BEGIN and COMMIT around every operation that touches a table. */
const TRANSACTION = 2;
/** The statement that switches role and claims (and locks, for writes) rides with the first statement. */
const ROLE_SETUP = 0;

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
   * statements), having checked that the first statement sent after BEGIN is
   * the role setup, with the caller's role.
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
    const [begin, ...rest] = counter.trips();
    expect(begin).toContain('begin');
    const firstStatement = rest.join('').split(SYNC)[0];
    expect(firstStatement).toContain(headers.authorization ? 'api_data_producer' : 'api_anon');
    return counter.count();
  }

  it('an anonymous read of one statement: BEGIN, the role setup and the read, COMMIT', async () => {
    expect(await roundTripsOf('{ latestTrades(limit: 5) { id } }')).toBe(TRANSACTION + ROLE_SETUP + 1);
    const [, setupAndRead] = counter.trips();
    const statementsIn = (trip: string) => trip.split(SYNC).length - 1;
    expect(statementsIn(setupAndRead!)).toBe(2);
  });

  it('a producer read: the token changes the role, not the cost', async () => {
    expect(await roundTripsOf('{ latestTrades(limit: 5) { id } }', undefined, producer)).toBe(
      TRANSACTION + ROLE_SETUP + 1,
    );
  });

  it('a page with its count: one setup for the whole operation', async () => {
    const trips = await roundTripsOf(
      '{ portfolioHistory(interval: WEEK, first: 10) { totalCount nodes { id } } }',
    );
    // The page and the count run concurrently, so they may share a round trip.
    expect(trips).toBeGreaterThanOrEqual(TRANSACTION + ROLE_SETUP + 1);
    expect(trips).toBeLessThanOrEqual(TRANSACTION + ROLE_SETUP + 2);
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
      // Unnamed, each waits for its description: the setup and the read then go one after the other.
      [0, TRANSACTION + 4],
      // The role setup comes first, so it is the one prepared; the read is still described first.
      [1, TRANSACTION + 2],
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
