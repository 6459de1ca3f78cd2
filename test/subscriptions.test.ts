/**
 * Live subscriptions on one instance: what each write sends (and what it
 * does not), filters, rollbacks, resuming from a cursor (SSE and graphql-ws),
 * history points, producer-only fields, cursors and retention, limits, token
 * expiry, work shared between equal subscribers, slow subscribers, and stop.
 */
import { createClient } from 'graphql-ws';
import { sql } from 'drizzle-orm';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import WebSocket from 'ws';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIVE, loadConfig } from '../src/config.ts';
import { changeEvents, changeHorizon } from '../src/db/schema.ts';
import { SharedExecution } from '../src/live/shared-execution.ts';
import type { App, AppOptions } from '../src/yoga.ts';
import { producerHeaders, signToken, TEST_AUDIENCE } from './support/auth.ts';
import { resetTables, tradeInput } from './support/fixtures.ts';
import { createTestApp, graphql, TEST_SETTINGS } from './support/graphql.ts';
import { startLiveServer, type LiveAppServer } from './support/live-server.ts';
import { subscribeSse, type SseSubscription, type StreamResult } from './support/sse.ts';
import { forEachDriver } from './support/test-database.ts';
import { subscribeWs, untilSubscribers } from './support/ws.ts';

const TRADES_CHANGED = /* GraphQL */ `
  subscription ($market: Market, $symbol: String, $after: String) {
    tradesChanged(market: $market, symbol: $symbol, after: $after) {
      cursor
      trades {
        id
        timestamp
        market
        symbol
        amount
        price
        usdValue
      }
      deletedIds
    }
  }
`;
const HISTORY_CHANGED = /* GraphQL */ `
  subscription ($interval: Interval!, $after: String) {
    portfolioHistoryChanged(interval: $interval, after: $after) {
      cursor
      points {
        id
        timestamp
        interval
        usdTotalValue
      }
      deletedIds
    }
  }
`;
const UPSERT_TRADES = /* GraphQL */ `
  mutation ($trades: [TradeInput!]!) {
    upsertTrades(trades: $trades) {
      insertedCount
      updatedCount
      unchangedCount
    }
  }
`;
const DELETE_TRADES = /* GraphQL */ `
  mutation ($ids: [ID!]!) {
    deleteTrades(ids: $ids) {
      deletedIds
    }
  }
`;
const UPSERT_HISTORY = /* GraphQL */ `
  mutation ($points: [PortfolioHistoryInput!]!) {
    upsertPortfolioHistory(points: $points) {
      insertedCount
      updatedCount
      unchangedCount
      points {
        id
      }
    }
  }
`;

/** A trade as tradesChanged sends it back (the fields TRADES_CHANGED selects). */
function sentTrade(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    timestamp: 1700000000000,
    market: 'KRAKEN',
    symbol: 'BTC/USD',
    amount: '0.500000000000000000',
    price: '36000.123456789012345678',
    usdValue: '18000.061728394506172839',
    ...overrides,
  };
}

const cursorOf = (id: number | bigint) => Buffer.from(`change:${id}`).toString('base64url');
const idOfCursor = (cursor: string) =>
  BigInt(/^change:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString())![1]!);
const codesOf = (result: StreamResult | undefined) =>
  (result?.errors ?? []).map((error) => error.extensions?.code);

forEachDriver((database, driver) => {
  let producer: Record<string, string>;
  const apps: App[] = [];
  const servers: LiveAppServer[] = [];
  const streams: SseSubscription[] = [];

  /** An app of this test, stopped after it. */
  function newApp(options: Partial<AppOptions> = {}): App {
    const app = createTestApp(database(), options);
    apps.push(app);
    return app;
  }

  async function newServer(options: Partial<AppOptions> = {}): Promise<LiveAppServer> {
    const server = await startLiveServer(database(), options);
    servers.push(server);
    return server;
  }

  async function sse(
    app: App,
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<SseSubscription> {
    const stream = await subscribeSse(
      app.fetch as never,
      'http://localhost/graphql',
      query,
      variables,
      headers,
    );
    streams.push(stream);
    return stream;
  }

  /** A producer write that must succeed. */
  async function write(app: App, query: string, variables: Record<string, unknown>) {
    const result = await graphql(app, query, variables, producer);
    expect(result.errors).toBeUndefined();
    return result.data;
  }

  beforeAll(async () => {
    producer = await producerHeaders();
  });
  beforeEach(() => resetTables(database().db));
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    for (const server of servers.splice(0)) await server.close();
    for (const app of apps.splice(0)) {
      await app.changeFeed.stop();
      await app.dispose();
    }
  });

  describe('tradesChanged', () => {
    it('sends each write of trades once, with the rows as stored, and nothing for a write that changed nothing', async () => {
      const app = newApp();
      const stream = await sse(app, TRADES_CHANGED.replace('cursor', 'cursor committedAt'));
      expect(stream.status).toBe(200);
      await untilSubscribers(app.changeFeed, 1);

      const writtenFrom = Date.now();
      await write(app, UPSERT_TRADES, { trades: [tradeInput('a'), tradeInput('b', { amount: '0.75' })] });
      const writtenBy = Date.now();
      const [first] = await stream.waitFor(1);
      expect(first).toEqual({
        data: {
          tradesChanged: {
            cursor: expect.any(String),
            committedAt: expect.any(String),
            trades: [sentTrade('a'), sentTrade('b', { amount: '0.750000000000000000' })],
            deletedIds: [],
          },
        },
      });
      // By the database clock, which is this machine's.
      const committedAt = Date.parse(first!.data!.tradesChanged.committedAt as string);
      expect(committedAt).toBeGreaterThanOrEqual(writtenFrom);
      expect(committedAt).toBeLessThanOrEqual(writtenBy);

      // The same values again: unchanged, so no event; the delete after it is the next one sent.
      const same = await write(app, UPSERT_TRADES, {
        trades: [tradeInput('a'), tradeInput('b', { amount: '0.75' })],
      });
      expect(same.upsertTrades).toEqual({ insertedCount: 0, updatedCount: 0, unchangedCount: 2 });
      await write(app, DELETE_TRADES, { ids: ['a', 'missing'] });
      const [, second] = await stream.waitFor(2);
      expect(second).toEqual({
        data: {
          tradesChanged: {
            cursor: expect.any(String),
            committedAt: expect.any(String),
            trades: [],
            deletedIds: ['a'],
          },
        },
      });
      expect(idOfCursor(second!.data!.tradesChanged.cursor)).toBeGreaterThan(
        idOfCursor(first!.data!.tradesChanged.cursor),
      );
      expect(stream.results).toHaveLength(2);
    });

    it('sends only the trades of the market and symbol asked for', async () => {
      const app = newApp();
      const stream = await sse(app, TRADES_CHANGED, { market: 'KRAKEN', symbol: 'ETH/USD' });
      await untilSubscribers(app.changeFeed, 1);

      // Only other symbols: not sent.
      await write(app, UPSERT_TRADES, { trades: [tradeInput('btc-1'), tradeInput('btc-2')] });
      // Both: only the ETH/USD trade is sent.
      await write(app, UPSERT_TRADES, {
        trades: [
          tradeInput('btc-3'),
          tradeInput('eth-1', { symbol: 'ETH/USD', baseAsset: 'ETH', price: '2000', usdValue: '1000' }),
        ],
      });
      // (Rows are sent as they are when the event is sent: let it go before deleting.)
      await stream.waitFor(1);
      // A delete touching both: only the ETH/USD id.
      await write(app, DELETE_TRADES, { ids: ['btc-1', 'eth-1'] });

      const results = await stream.waitFor(2);
      expect(results).toEqual([
        {
          data: {
            tradesChanged: {
              cursor: expect.any(String),
              trades: [
                sentTrade('eth-1', {
                  symbol: 'ETH/USD',
                  price: '2000.000000000000000000',
                  usdValue: '1000.000000000000000000',
                }),
              ],
              deletedIds: [],
            },
          },
        },
        { data: { tradesChanged: { cursor: expect.any(String), trades: [], deletedIds: ['eth-1'] } } },
      ]);
    });

    it('sends a write whose trades were deleted before it was sent, then their delete', async () => {
      const app = newApp();
      const first = await sse(app, TRADES_CHANGED, { symbol: 'BTC/USD' });
      await untilSubscribers(app.changeFeed, 1);
      await write(app, UPSERT_TRADES, { trades: [tradeInput('mark')] });
      const [{ data: marked }] = (await first.waitFor(1)) as [StreamResult];
      first.close();
      // Both commit before a subscriber resuming after them reads the first
      // one's rows: those are gone by then, but the write is matched by what
      // the log recorded when it was made, so it is still sent.
      await write(app, UPSERT_TRADES, { trades: [tradeInput('gone-1')] });
      await write(app, DELETE_TRADES, { ids: ['gone-1'] });
      const resumed = await sse(app, TRADES_CHANGED, {
        symbol: 'BTC/USD',
        after: marked!.tradesChanged.cursor,
      });
      expect(await resumed.waitFor(2)).toEqual([
        { data: { tradesChanged: { cursor: expect.any(String), trades: [], deletedIds: [] } } },
        { data: { tradesChanged: { cursor: expect.any(String), trades: [], deletedIds: ['gone-1'] } } },
      ]);
    });

    it('sends nothing for a rolled-back operation; the next commit is the next event', async () => {
      const app = newApp();
      const stream = await sse(app, TRADES_CHANGED);
      await untilSubscribers(app.changeFeed, 1);

      const failing = await graphql(
        app,
        /* GraphQL */ `
          mutation ($good: [TradeInput!]!, $bad: [TradeInput!]!) {
            good: upsertTrades(trades: $good) {
              insertedCount
            }
            bad: upsertTrades(trades: $bad) {
              insertedCount
            }
          }
        `,
        { good: [tradeInput('kept-not')], bad: [tradeInput('twice'), tradeInput('twice')] },
        producer,
      );
      expect(failing.data).toBeNull();
      expect(failing.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);

      await write(app, UPSERT_TRADES, { trades: [tradeInput('good')] });
      const [event] = await stream.waitFor(1);
      expect(event).toEqual({
        data: { tradesChanged: { cursor: expect.any(String), trades: [sentTrade('good')], deletedIds: [] } },
      });
      // Nothing else was logged in between: the rolled-back operation left no entry.
      const entries = await database().db.select({ id: changeEvents.id }).from(changeEvents);
      expect(entries.map((entry) => entry.id)).toContain(idOfCursor(event!.data!.tradesChanged.cursor));
      expect(entries.filter((entry) => entry.id > idOfCursor(event!.data!.tradesChanged.cursor))).toEqual([]);
      expect(stream.results).toHaveLength(1);
    });
  });

  describe('resuming from a cursor', () => {
    const ids = (result: StreamResult) =>
      result.data!.tradesChanged.trades.map((trade: { id: string }) => trade.id);

    it('over SSE: replays every event since the cursor, in order, then the live ones', async () => {
      // A real server: a client closing its connection ends its subscription there.
      const server = await newServer();
      const app = server.app;
      const first = await subscribeSse(fetch, server.url, TRADES_CHANGED);
      streams.push(first);
      await untilSubscribers(app.changeFeed, 1);
      await write(app, UPSERT_TRADES, { trades: [tradeInput('r1')] });
      const [event1] = await first.waitFor(1);
      const c1 = event1!.data!.tradesChanged.cursor as string;
      first.close();
      await untilGone(app, 0);

      for (const id of ['r2', 'r3', 'r4']) await write(app, UPSERT_TRADES, { trades: [tradeInput(id)] });

      const resumed = await subscribeSse(fetch, server.url, TRADES_CHANGED, { after: c1 });
      streams.push(resumed);
      await untilSubscribers(app.changeFeed, 1);
      const replayed = await resumed.waitFor(3);
      expect(replayed.map(ids)).toEqual([['r2'], ['r3'], ['r4']]);
      await write(app, UPSERT_TRADES, { trades: [tradeInput('r5')] });
      const all = await resumed.waitFor(4);
      expect(all.map(ids)).toEqual([['r2'], ['r3'], ['r4'], ['r5']]);
      const cursors = all.map((result) => idOfCursor(result.data!.tradesChanged.cursor));
      expect([...cursors].sort((a, b) => (a < b ? -1 : 1))).toEqual(cursors);
      expect(new Set(cursors).size).toBe(4);
      expect(cursors[0]).toBeGreaterThan(idOfCursor(c1));
      expect(resumed.results).toHaveLength(4);
    });

    it('over graphql-ws: the same', async () => {
      const server = await newServer();
      const first = subscribeWs(server.wsUrl, TRADES_CHANGED);
      await untilSubscribers(server.app.changeFeed, 1);
      await write(server.app, UPSERT_TRADES, { trades: [tradeInput('w1')] });
      const [event1] = await first.waitFor(1);
      const c1 = event1!.data!.tradesChanged.cursor as string;
      await first.close();
      await untilGone(server.app, 0);

      for (const id of ['w2', 'w3', 'w4'])
        await write(server.app, UPSERT_TRADES, { trades: [tradeInput(id)] });

      const resumed = subscribeWs(server.wsUrl, TRADES_CHANGED, { after: c1 });
      await untilSubscribers(server.app.changeFeed, 1);
      expect((await resumed.waitFor(3)).map(ids)).toEqual([['w2'], ['w3'], ['w4']]);
      await write(server.app, UPSERT_TRADES, { trades: [tradeInput('w5')] });
      expect((await resumed.waitFor(4)).map(ids)).toEqual([['w2'], ['w3'], ['w4'], ['w5']]);
      expect(resumed.results).toHaveLength(4);
      expect(resumed.failures).toEqual([]);
      await resumed.close();
    });
  });

  describe('portfolioHistoryChanged', () => {
    const week = (overrides: Record<string, unknown> = {}) => ({
      timestamp: 1700000000000,
      market: 'KRAKEN',
      interval: 'WEEK',
      updatedAt: 1700100000000,
      usdTotalValue: '1000.5',
      ...overrides,
    });

    it('sends the ongoing week each time it is rewritten with new values, never a day, and deletes', async () => {
      const app = newApp();
      const stream = await sse(app, HISTORY_CHANGED, { interval: 'WEEK' });
      await untilSubscribers(app.changeFeed, 1);

      const inserted = await write(app, UPSERT_HISTORY, { points: [week()] });
      const pointId = inserted.upsertPortfolioHistory.points[0].id as string;
      const point = (usdTotalValue: string) => ({
        id: pointId,
        timestamp: 1700000000000,
        interval: 'WEEK',
        usdTotalValue,
      });
      const [first] = await stream.waitFor(1);
      expect(first).toEqual({
        data: {
          portfolioHistoryChanged: {
            cursor: expect.any(String),
            points: [point('1000.500000000000000000')],
            deletedIds: [],
          },
        },
      });

      await write(app, UPSERT_HISTORY, {
        points: [week({ updatedAt: 1700200000000, usdTotalValue: '1010.75' })],
      });
      // The same values again: no event. A day point: not for a WEEK subscriber.
      const same = await write(app, UPSERT_HISTORY, {
        points: [week({ updatedAt: 1700200000000, usdTotalValue: '1010.75' })],
      });
      expect(same.upsertPortfolioHistory).toMatchObject({
        insertedCount: 0,
        updatedCount: 0,
        unchangedCount: 1,
      });
      await write(app, UPSERT_HISTORY, { points: [week({ interval: 'DAY' })] });
      // (Rows are sent as they are when the event is sent: let the rewrite go before deleting.)
      await stream.waitFor(2);
      const deleted = await write(
        app,
        'mutation ($id: ID!) { deletePortfolioHistory(where: { id: { eq: $id } }) { deletedIds } }',
        { id: pointId },
      );
      expect(deleted.deletePortfolioHistory.deletedIds).toEqual([pointId]);

      const results = await stream.waitFor(3);
      expect(results.slice(1)).toEqual([
        {
          data: {
            portfolioHistoryChanged: {
              cursor: expect.any(String),
              points: [point('1010.750000000000000000')],
              deletedIds: [],
            },
          },
        },
        {
          data: {
            portfolioHistoryChanged: { cursor: expect.any(String), points: [], deletedIds: [pointId] },
          },
        },
      ]);
      expect(stream.results).toHaveLength(3);
    });

    it('keeps producer-only fields producer-only in every event', async () => {
      const app = newApp();
      const query = /* GraphQL */ `
        subscription {
          portfolioHistoryChanged(interval: WEEK) {
            points {
              id
              trades {
                nodes {
                  id
                }
              }
            }
          }
        }
      `;
      const anonymous = await sse(app, query);
      const anotherAnonymous = await sse(app, query);
      const asProducer = await sse(app, query, {}, producer);
      await untilSubscribers(app.changeFeed, 3);

      await write(app, UPSERT_TRADES, { trades: [tradeInput('in-week', { timestamp: 1700000100000 })] });
      const inserted = await write(app, UPSERT_HISTORY, { points: [week()] });
      const pointId = inserted.upsertPortfolioHistory.points[0].id as string;

      const [forProducer] = await asProducer.waitFor(1);
      expect(forProducer).toEqual({
        data: {
          portfolioHistoryChanged: { points: [{ id: pointId, trades: { nodes: [{ id: 'in-week' }] } }] },
        },
      });
      const [forAnonymous] = await anonymous.waitFor(1);
      expect(codesOf(forAnonymous)).toEqual(['FORBIDDEN']);
      expect(forAnonymous!.errors![0]!.path).toEqual(['portfolioHistoryChanged', 'points', 0, 'trades']);
      // trades, points and the event are non-null: the error nulls the whole event.
      expect(forAnonymous!.data).toBeNull();
      // Each anonymous subscriber gets the same (shared) result, errors included.
      expect(await anotherAnonymous.waitFor(1)).toEqual([forAnonymous]);

      // And again on the next event.
      await write(app, UPSERT_HISTORY, { points: [week({ usdTotalValue: '2' })] });
      expect(codesOf((await anonymous.waitFor(2))[1])).toEqual(['FORBIDDEN']);
      expect((await asProducer.waitFor(2))[1]).toEqual(forProducer);
    });
  });

  it('resolves fields that read the database (through loaders) in each event', async () => {
    const app = newApp();
    const query = /* GraphQL */ `
      subscription {
        tradesChanged {
          trades {
            id
            historyPoint(interval: WEEK) {
              usdTotalValue
            }
          }
        }
      }
    `;
    const anonymous = await sse(app, query);
    const asProducer = await sse(app, query, {}, producer);
    await untilSubscribers(app.changeFeed, 2);
    await write(app, UPSERT_HISTORY, {
      points: [{ timestamp: 1700000000000, market: 'KRAKEN', interval: 'WEEK', usdTotalValue: '7' }],
    });
    await write(app, UPSERT_TRADES, { trades: [tradeInput('t1', { timestamp: 1700000100000 })] });
    const expected = {
      data: {
        tradesChanged: { trades: [{ id: 't1', historyPoint: { usdTotalValue: '7.000000000000000000' } }] },
      },
    };
    expect(await anonymous.waitFor(1)).toEqual([expected]);
    expect(await asProducer.waitFor(1)).toEqual([expected]);
  });

  describe('cursors and retention', () => {
    it('refuses a malformed cursor, or one past the last event, with BAD_USER_INPUT', async () => {
      const app = newApp();
      for (const after of ['not-a-cursor', cursorOf(999_999)]) {
        const stream = await sse(app, TRADES_CHANGED, { after });
        const [result] = await stream.waitFor(1);
        expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
        await stream.ended;
      }
      expect(app.changeFeed.subscriberCount).toBe(0);
    });

    it('refuses a cursor older than the log keeps with CURSOR_EXPIRED', async () => {
      const app = newApp();
      const [horizon] = await database()
        .db.select({ before: changeHorizon.prunedThrough })
        .from(changeHorizon);
      const before = horizon!.before;
      await write(app, UPSERT_TRADES, { trades: [tradeInput('x')] });
      const [last] = await database()
        .db.select({ id: changeEvents.id })
        .from(changeEvents)
        .orderBy(sql`${changeEvents.id} desc`)
        .limit(1);
      await database().db.execute(
        sql`update folioql_change_horizon set pruned_through = ${String(last!.id)}`,
      );
      try {
        const stream = await sse(app, TRADES_CHANGED, { after: cursorOf(last!.id - 1n) });
        const [result] = await stream.waitFor(1);
        expect(codesOf(result)).toEqual(['CURSOR_EXPIRED']);
        await stream.ended;
      } finally {
        await database().db.execute(
          sql`update folioql_change_horizon set pruned_through = ${String(before)}`,
        );
      }
    });

    it('prunes entries older than CHANGES_RETENTION_MS, moving the horizon', async () => {
      const app = newApp({ settings: { ...TEST_SETTINGS, changesRetentionMs: 1 } });
      await write(app, UPSERT_TRADES, { trades: [tradeInput('p1')] });
      const [first] = await database()
        .db.select({ id: changeEvents.id })
        .from(changeEvents)
        .orderBy(sql`${changeEvents.id} desc`)
        .limit(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await write(app, UPSERT_TRADES, { trades: [tradeInput('p2')] });
      const entries = await database().db.select({ id: changeEvents.id }).from(changeEvents);
      expect(entries.map((entry) => entry.id)).not.toContain(first!.id);
      expect(entries).toHaveLength(1);
      const [horizon] = await database().db.select().from(changeHorizon);
      expect(horizon!.prunedThrough).toBeGreaterThanOrEqual(first!.id);
      // A subscriber resuming from before the horizon is told so.
      const stream = await sse(app, TRADES_CHANGED, { after: cursorOf(first!.id - 1n) });
      expect(codesOf((await stream.waitFor(1))[0])).toEqual(['CURSOR_EXPIRED']);
    });

    it('ends a replay with CURSOR_EXPIRED when entries it had not read yet are pruned meanwhile', async () => {
      const app = newApp({ settings: { ...TEST_SETTINGS, changesRetentionMs: 1 } });
      await write(app, UPSERT_TRADES, { trades: [tradeInput('r1')] });
      const [first] = await database()
        .db.select({ id: changeEvents.id })
        .from(changeEvents)
        .orderBy(sql`${changeEvents.id} desc`)
        .limit(1);
      // Accepted: nothing after the cursor is pruned yet. The replay reads lazily, as a slow reader would.
      const replay = await app.changeFeed.subscribe({
        role: 'api_anon',
        after: first!.id - 1n,
        select: async (event) => event.cursor,
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      // This write prunes the entry the replay was about to read.
      await write(app, UPSERT_TRADES, { trades: [tradeInput('r2')] });
      await expect(replay.next()).rejects.toMatchObject({ extensions: { code: 'CURSOR_EXPIRED' } });
      await expect(replay.next()).resolves.toEqual({ done: true, value: undefined });
    });
  });

  describe('limits', () => {
    it('refuses a subscription past SUBSCRIPTIONS_MAX', async () => {
      const app = newApp({ live: { ...DEFAULT_LIVE, maxSubscriptions: 1 } });
      const first = await sse(app, TRADES_CHANGED);
      await untilSubscribers(app.changeFeed, 1);
      const second = await sse(app, TRADES_CHANGED);
      const [refused] = await second.waitFor(1);
      expect(codesOf(refused)).toEqual(['SUBSCRIPTION_LIMIT']);
      await second.ended;
      // The first still works.
      await write(app, UPSERT_TRADES, { trades: [tradeInput('l1')] });
      expect((await first.waitFor(1))[0]!.data!.tradesChanged.trades).toEqual([sentTrade('l1')]);
    });

    it('refuses a second subscription on one WebSocket past SUBSCRIPTIONS_PER_CONNECTION', async () => {
      const server = await newServer({ live: { ...DEFAULT_LIVE, perConnection: 1 } });
      const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
      try {
        const firstResults: unknown[] = [];
        client.subscribe(
          { query: TRADES_CHANGED },
          { next: (value) => void firstResults.push(value), error: () => {}, complete: () => {} },
        );
        await untilSubscribers(server.app.changeFeed, 1);
        const refused = await new Promise<unknown>((resolve) =>
          client.subscribe(
            { query: TRADES_CHANGED },
            {
              next: (value) => resolve({ next: value }),
              error: resolve,
              complete: () => resolve('complete'),
            },
          ),
        );
        expect(
          (refused as { extensions?: { code?: string } }[]).map((error) => error.extensions?.code),
        ).toEqual(['SUBSCRIPTION_LIMIT']);
        expect(server.app.changeFeed.subscriberCount).toBe(1);
      } finally {
        await client.dispose();
      }
    });

    it('counts a burst of subscriptions on one WebSocket before any has started', async () => {
      const server = await newServer({ live: { ...DEFAULT_LIVE, perConnection: 2 } });
      const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
      try {
        // Sent together: graphql-ws handles them concurrently.
        const outcomes = await Promise.all(
          Array.from(
            { length: 6 },
            () =>
              new Promise<string>((resolve) => {
                client.subscribe(
                  { query: TRADES_CHANGED },
                  {
                    next: () => resolve('started'),
                    error: (error) =>
                      resolve(
                        (error as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? String(error),
                      ),
                    complete: () => resolve('complete'),
                  },
                );
                // A subscription that started sends nothing until a write: count it by the feed.
                setTimeout(() => resolve('started'), 1_500);
              }),
          ),
        );
        expect(outcomes.filter((outcome) => outcome === 'SUBSCRIPTION_LIMIT')).toHaveLength(4);
        expect(server.app.changeFeed.subscriberCount).toBe(2);
      } finally {
        await client.dispose();
      }
    });

    it('runs nothing more on a WebSocket once its token has expired, closing it', async () => {
      const server = await newServer();
      const token = await signToken({
        role: 'api_data_producer',
        aud: TEST_AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 2,
      });
      const client = createClient({
        url: server.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const query = (document: string) =>
        new Promise<unknown>((resolve) => {
          let value: unknown;
          client.subscribe(
            { query: document },
            {
              next: (next) => (value = next),
              error: (error) => resolve({ error }),
              complete: () => resolve(value),
            },
          );
        });
      try {
        expect(await query('{ viewer { role } }')).toEqual({
          data: { viewer: { role: 'api_data_producer' } },
        });
        await new Promise((resolve) => setTimeout(resolve, 2_600));
        const { error } = (await query('{ viewer { role } }')) as {
          error: { code?: number; reason?: string } | { extensions?: { code?: string } }[];
        };
        // The refusal, or the socket closing with 4401: whichever the client reports first.
        const described = Array.isArray(error)
          ? error.map((each) => each.extensions?.code).join()
          : `${error.code} ${error.reason}`;
        expect(described).toMatch(/TOKEN_EXPIRED|4401 The token expired/);
      } finally {
        await client.dispose();
      }
    });

    it('applies the operation limits to subscription documents', async () => {
      const depth = loadConfig({}).limits.reader.depth;
      // tradesChanged(1) > trades(2) > historyPoint(3) > trades(4) > nodes(5) > historyPoint(6) > …, then a leaf.
      const chain = ['tradesChanged', 'trades'];
      while (chain.length < depth) {
        const last = chain.at(-1)!;
        chain.push(
          last === 'historyPoint(interval: WEEK)'
            ? 'trades(first: 1)'
            : last === 'trades(first: 1)'
              ? 'nodes'
              : 'historyPoint(interval: WEEK)',
        );
      }
      const leaf = chain.at(-1) === 'trades(first: 1)' ? 'totalCount' : 'id';
      const query = `subscription { ${chain.map((field) => `${field} {`).join(' ')} ${leaf} ${'}'.repeat(chain.length)} }`;
      const app = newApp();
      const stream = await sse(app, query);
      const [refused] = await stream.waitFor(1);
      expect(codesOf(refused)).toEqual(['OPERATION_LIMIT']);
      expect(refused!.errors![0]!.extensions).toMatchObject({ limit: 'depth', actual: depth + 1 });
      expect(app.changeFeed.subscriberCount).toBe(0);
    });
  });

  it('ends a subscription with TOKEN_EXPIRED when its token expires', async () => {
    const app = newApp();
    const token = await signToken({
      role: 'api_data_producer',
      aud: TEST_AUDIENCE,
      exp: Math.floor(Date.now() / 1000) + 2,
    });
    const stream = await sse(app, TRADES_CHANGED, {}, { authorization: `Bearer ${token}` });
    await untilSubscribers(app.changeFeed, 1);
    const [ended] = await stream.waitFor(1, 10_000);
    expect(codesOf(ended)).toEqual(['TOKEN_EXPIRED']);
    await stream.ended;
    expect(stream.results).toHaveLength(1);
    expect(app.changeFeed.subscriberCount).toBe(0);
  });

  it('ends at once a subscription whose token expired within the clock tolerance, leaving no subscriber behind', async () => {
    const app = newApp();
    // Accepted (JWT_CLOCK_TOLERANCE is 30 s by default), but already past its exp.
    const token = await signToken({
      role: 'api_data_producer',
      aud: TEST_AUDIENCE,
      exp: Math.floor(Date.now() / 1000) - 5,
    });
    const stream = await sse(app, TRADES_CHANGED, {}, { authorization: `Bearer ${token}` });
    const [ended] = await stream.waitFor(1);
    expect(codesOf(ended)).toEqual(['TOKEN_EXPIRED']);
    await stream.ended;
    expect(app.changeFeed.subscriberCount).toBe(0);
  });

  describe('shared work', () => {
    it('reads the database as much for 20 equal subscribers as for 1', async () => {
      const app = newApp();
      /**
       * The statements sent from the write until every subscriber has its
       * event: the write's own (the same each time) and the delivery's, in
       * whatever order they interleave.
       */
      async function deliveryStatements(streamsNow: SseSubscription[], id: string) {
        const before = streamsNow.map((stream) => stream.results.length);
        const feedBefore = app.changeFeed.statements;
        database().statements.length = 0;
        await write(app, UPSERT_TRADES, { trades: [tradeInput(id)] });
        await Promise.all(streamsNow.map((stream, index) => stream.waitFor(before[index]! + 1)));
        for (const stream of streamsNow) {
          expect(stream.results.at(-1)!.data!.tradesChanged.trades).toEqual([sentTrade(id)]);
        }
        return {
          all: [...database().statements].sort(),
          feedReads: app.changeFeed.statements - feedBefore,
        };
      }

      const one = [await sse(app, TRADES_CHANGED)];
      await untilSubscribers(app.changeFeed, 1);
      const forOne = await deliveryStatements(one, 's1');

      const twenty = [...one];
      for (let index = 1; index < 20; index++) twenty.push(await sse(app, TRADES_CHANGED));
      await untilSubscribers(app.changeFeed, 20);
      const forTwenty = await deliveryStatements(twenty, 's2');

      expect(forTwenty.all).toEqual(forOne.all);
      expect(forOne.all.filter((statement) => statement.includes('"folioql_changes"'))).toHaveLength(1);
      // One read of the log, one of the rows.
      expect(forOne.feedReads).toBe(2);
      expect(forTwenty.feedReads).toBe(2);
    });

    it('ends a subscriber that falls SUBSCRIPTION_BUFFER events behind with SUBSCRIBER_TOO_SLOW', async () => {
      const app = newApp({ live: { ...DEFAULT_LIVE, buffer: 2 } });
      const slow = await app.changeFeed.subscribe({
        role: 'api_anon',
        select: async (event) => event.cursor,
      });
      expect(app.changeFeed.subscriberCount).toBe(1);
      for (const id of ['b1', 'b2', 'b3']) await write(app, UPSERT_TRADES, { trades: [tradeInput(id)] });
      await untilGone(app, 0);
      await expect(slow.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
      await expect(slow.next()).resolves.toEqual({ done: true, value: undefined });
    });
  });

  it('ends open subscriptions with SERVER_STOPPING when the feed stops', async () => {
    const app = newApp();
    const stream = await sse(app, TRADES_CHANGED);
    await untilSubscribers(app.changeFeed, 1);
    await app.changeFeed.stop();
    const [stopped] = await stream.waitFor(1);
    expect(codesOf(stopped)).toEqual(['SERVER_STOPPING']);
    await stream.ended;
    expect(stream.results).toHaveLength(1);
    expect(app.changeFeed.subscriberCount).toBe(0);
  });

  it('refuses a subscription that was starting when the feed stopped, and keeps no listening connection', async () => {
    const app = newApp();
    const listeners = async () => {
      const rows = await database().db.execute(
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'folioql listen'`,
      );
      return (rows as unknown as { n: number }[])[0]!.n;
    };
    if (driver === 'postgres') await until(async () => (await listeners()) === 0);
    const starting = app.changeFeed.subscribe({ role: 'api_anon', select: async () => undefined });
    await app.changeFeed.stop();
    await expect(starting).rejects.toMatchObject({ extensions: { code: 'SERVER_STOPPING' } });
    expect(app.changeFeed.subscriberCount).toBe(0);
    if (driver === 'postgres') await until(async () => (await listeners()) === 0);
  });
});

describe('SharedExecution', () => {
  it('ends the source when an event cannot be executed, sending the error as the last result', async () => {
    let returned = false;
    const source: AsyncIterableIterator<object> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: async () => ({ done: false, value: {} }),
      return: async () => {
        returned = true;
        return { done: true, value: undefined };
      },
    };
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          changed: {
            type: GraphQLString,
            subscribe: () => source,
            // Reads the database: run again in a transaction, which fails here.
            resolve: (_payload, _args, ctx: { db: { read(): string } }) => ctx.db.read(),
          },
        },
      }),
    });
    const context = {
      viewer: { role: 'api_anon' },
      withRoleTransaction: () => Promise.reject(new Error('the database is away')),
    };
    const stream = (await new SharedExecution().subscribe({
      schema,
      document: parse('subscription { changed }'),
      contextValue: context,
    })) as AsyncIterableIterator<{ errors?: { message: string }[] }>;
    const failed = await stream.next();
    expect(failed.value.errors?.map((error: { message: string }) => error.message)).toEqual([
      'Live updates failed',
    ]);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(returned).toBe(true);
  });
});

/** Waits (bounded) until `check` holds. */
async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`waited ${timeoutMs} ms for ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits (bounded) until the feed of `app` has `count` subscribers or fewer. */
async function untilGone(app: App, count: number, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (app.changeFeed.subscriberCount > count) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `waited ${timeoutMs} ms for ${count} subscribers, have ${app.changeFeed.subscriberCount}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
