import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { resetTables, trade } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { dataStatements, forEachDriver } from './support/test-database.ts';

const LATEST = /* GraphQL */ `
  query Latest($limit: Int, $market: Market, $symbol: String) {
    latestTrades(limit: $limit, market: $market, symbol: $symbol) {
      id
      timestamp
      time
      market
      symbol
      baseAsset
      quoteAsset
      isBuy
      amount
      price
      usdValue
    }
  }
`;

forEachDriver((database) => {
  let app: App;
  beforeAll(async () => {
    app = createTestApp(database());
    await resetTables(database().db);
    await database()
      .db.insert(trades)
      .values([
        trade({
          id: 'exact-big',
          timestamp: '1700000000000',
          amount: '123456789012345678901234567890.123456789012345678',
          price: '0.000000000000000001',
          usdValue: '123456789012.345678901234567890',
        }),
        trade({
          id: 'b-same-ms',
          timestamp: '1700000000001',
          symbol: 'ETH/USD',
          baseAsset: 'ETH',
          isBuy: false,
        }),
        trade({ id: 'a-same-ms', timestamp: '1700000000001', symbol: 'ETH/USD', baseAsset: 'ETH' }),
        trade({ id: 'newest', timestamp: '1700000000500' }),
        trade({ id: 'oldest', timestamp: '1600000000000' }),
      ]);
  });

  describe('exactness', () => {
    it('returns NUMERIC(48,18) values with every digit, as JSON strings', async () => {
      const result = await graphql(app, LATEST, { limit: 10 });
      expect(result.errors).toBeUndefined();
      const exact = result.data.latestTrades.find((row: { id: string }) => row.id === 'exact-big');
      expect(exact.amount).toBe('123456789012345678901234567890.123456789012345678');
      expect(exact.price).toBe('0.000000000000000001');
      expect(exact.usdValue).toBe('123456789012.345678901234567890');
      // Strings in the JSON text itself, not numbers a client would round.
      expect(result.text).toContain('"amount":"123456789012345678901234567890.123456789012345678"');
      expect(result.text).toContain('"price":"0.000000000000000001"');
    });

    it('returns epoch milliseconds exactly, as a JSON number, with the same instant as DateTime', async () => {
      const result = await graphql(app, LATEST, { limit: 10 });
      const exact = result.data.latestTrades.find((row: { id: string }) => row.id === 'exact-big');
      expect(exact.timestamp).toBe(1700000000000);
      expect(result.text).toContain('"timestamp":1700000000000,');
      expect(exact.time).toBe('2023-11-14T22:13:20.000Z');
    });
  });

  describe('ordering and filters', () => {
    it('lists newest first and breaks equal timestamps by id', async () => {
      const result = await graphql(app, LATEST, { limit: 10 });
      expect(result.data.latestTrades.map((row: { id: string }) => row.id)).toEqual([
        'newest',
        'a-same-ms',
        'b-same-ms',
        'exact-big',
        'oldest',
      ]);
    });

    it('returns at most `limit` trades, 20 by default', async () => {
      const two = await graphql(app, LATEST, { limit: 2 });
      expect(two.data.latestTrades.map((row: { id: string }) => row.id)).toEqual(['newest', 'a-same-ms']);
      const byDefault = await graphql(app, '{ latestTrades { id } }');
      expect(byDefault.data.latestTrades).toHaveLength(5);
    });

    it('filters by symbol and by market', async () => {
      const eth = await graphql(app, LATEST, { symbol: 'ETH/USD' });
      expect(eth.data.latestTrades.map((row: { id: string }) => row.id)).toEqual(['a-same-ms', 'b-same-ms']);
      const kraken = await graphql(app, LATEST, { market: 'KRAKEN' });
      expect(kraken.data.latestTrades).toHaveLength(5);
      expect(kraken.data.latestTrades[0].market).toBe('KRAKEN');
      const none = await graphql(app, LATEST, { symbol: 'DOGE/USD' });
      expect(none.data.latestTrades).toEqual([]);
    });

    it('refuses text PostgreSQL cannot store as a bad input, not an unexpected error', async () => {
      const result = await graphql(app, LATEST, { symbol: 'BTC\u0000USD' });
      expect(errorsOf(result)[0]?.code).toBe('BAD_USER_INPUT');
      expect(errorsOf(result)[0]?.message).toMatch(/invalid byte sequence/);
    });

    it('maps the SQL side to isBuy', async () => {
      const result = await graphql(app, LATEST, { symbol: 'ETH/USD' });
      expect(result.data.latestTrades.map((row: { isBuy: boolean }) => row.isBuy)).toEqual([true, false]);
    });

    it('runs one statement, using the newest-first index order', async () => {
      database().statements.length = 0;
      await graphql(app, LATEST, { limit: 3, symbol: 'BTC/USD' });
      expect(dataStatements(database())).toHaveLength(1);
      expect(dataStatements(database())[0]).toMatch(
        /order by "trades"\."timestamp" desc, "trades"\."id" asc limit \$\d/,
      );
    });
  });

  describe('limit', () => {
    it.each([0, 1001, -1])('refuses limit %i with a clear error and runs no SQL', async (limit) => {
      database().statements.length = 0;
      const result = await graphql(app, LATEST, { limit });
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message: `Argument "limit" of Query.latestTrades must be from 1 to 1000, got ${limit}`,
        },
      ]);
      expect(result.data).toBeNull();
      expect(dataStatements(database())).toEqual([]);
    });

    it('refuses an explicit null limit', async () => {
      const result = await graphql(app, '{ latestTrades(limit: null) { id } }');
      expect(errorsOf(result)[0]?.code).toBe('BAD_USER_INPUT');
    });

    it.each([1, 1000])('accepts limit %i', async (limit) => {
      const result = await graphql(app, LATEST, { limit });
      expect(result.errors).toBeUndefined();
      expect(result.data.latestTrades.length).toBe(Math.min(limit, 5));
    });
  });

  describe('recentTrades: the same list with cursors, for anyone', () => {
    const RECENT = /* GraphQL */ `
      query Recent($first: Int, $after: String, $symbol: String) {
        recentTrades(first: $first, after: $after, symbol: $symbol) {
          nodes {
            id
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    `;
    type RecentPage = {
      nodes: { id: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };

    it('pages an anonymous reader through every trade in latestTrades order, one statement a page', async () => {
      const latest = (await graphql(app, LATEST, { limit: 10 })).data.latestTrades.map(
        (row: { id: string }) => row.id,
      );
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        database().statements.length = 0;
        const result = await graphql(app, RECENT, { first: 2, after });
        expect(result.errors).toBeUndefined();
        expect(dataStatements(database())).toHaveLength(1);
        const recent: RecentPage = result.data.recentTrades;
        seen.push(...recent.nodes.map((node) => node.id));
        after = recent.pageInfo.endCursor;
        if (!recent.pageInfo.hasNextPage) break;
      }
      expect(seen).toEqual(latest);
    });

    it('filters by symbol, newest first', async () => {
      const result = await graphql(app, RECENT, { first: 10, symbol: 'ETH/USD' });
      expect(result.data.recentTrades.nodes.map((node: { id: string }) => node.id)).toEqual([
        'a-same-ms',
        'b-same-ms',
      ]);
    });

    it.each([
      [{ first: 1001 }, 'Argument "first" of Query.recentTrades must be from 0 to 1000, got 1001'],
      [{ first: -1 }, 'Argument "first" of Query.recentTrades must be from 0 to 1000, got -1'],
    ])('refuses %j with a clear error and runs no SQL', async (variables, message) => {
      database().statements.length = 0;
      const result = await graphql(app, RECENT, variables);
      expect(errorsOf(result)).toEqual([{ code: 'BAD_USER_INPUT', message }]);
      expect(dataStatements(database())).toEqual([]);
    });

    it('refuses to count: a count of every trade is not for anyone to run', async () => {
      database().statements.length = 0;
      const result = await graphql(app, '{ recentTrades(first: 1) { totalCount nodes { id } } }');
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message:
            'Query.recentTrades does not count its trades: page with first and after, or count with Query.trades (producer only)',
        },
      ]);
      expect(dataStatements(database()).some((statement) => /count\(/i.test(statement))).toBe(false);
    });

    it('refuses a cursor it did not write', async () => {
      const result = await graphql(app, RECENT, { first: 1, after: 'bm90IGEgY3Vyc29y' });
      expect(errorsOf(result)[0]?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('stored values the API cannot answer, as an adopted database may hold them', () => {
    const farIds = ['far-future', 'beyond-date'];
    let pointId: number;
    beforeAll(async () => {
      // Written past the API, which refuses these values.
      await database().db.execute(sql`
        insert into trades (id, timestamp, market, symbol, base_asset, quote_asset, is_buy, amount, price, usd_value)
        values ('far-future', 9223372036854775807, 'kraken', 'BTC/USD', 'BTC', 'USD', true, 1, 1, 1),
               ('beyond-date', 8700000000000000, 'kraken', 'BTC/USD', 'BTC', 'USD', true, 1, 1, 1)`);
      await database().db.execute(sql`
        insert into portfolio_history (timestamp, updated_at, market, interval, usd_total_value)
        values (1700000000000, -9223372036854775808, 'kraken', 'week', 1)`);
      const [point] = await database().db.select({ id: portfolioHistory.id }).from(portfolioHistory);
      pointId = point!.id;
    });
    afterAll(async () => {
      await database().db.delete(trades).where(inArray(trades.id, farIds));
      await database().db.delete(portfolioHistory).where(eq(portfolioHistory.id, pointId));
    });

    const farFuture =
      'The trades row with id "far-future" holds timestamp 9223372036854775807, beyond ±9007199254740991 (2^53 − 1), which EpochMillis cannot carry exactly; correct the row in the database';

    it('answers latestTrades with an error naming the row and the column, coded, not masked', async () => {
      const result = await graphql(app, LATEST, { limit: 10 });
      // latestTrades and its items are non-null: one bad value leaves no list to answer.
      expect(result.data).toBeNull();
      expect(result.status).toBe(200);
      expect(errorsOf(result)).toContainEqual({ code: 'INVALID_STORED_VALUE', message: farFuture });
      for (const error of errorsOf(result)) expect(error.code).toBe('INVALID_STORED_VALUE');
      expect(result.text).not.toContain('Unexpected error');
      const located = result.errors!.find((error) => error.message === farFuture);
      expect(located?.path).toEqual(['latestTrades', 0, 'timestamp']);
    });

    it('still answers the fields that do not need the value, for every row', async () => {
      const result = await graphql(app, '{ latestTrades(limit: 3) { id symbol amount } }');
      expect(result.errors).toBeUndefined();
      expect(result.data.latestTrades.map((row: { id: string }) => row.id)).toEqual([
        'far-future',
        'beyond-date',
        'newest',
      ]);
    });

    it('answers the other fields of the operation where nullability allows', async () => {
      const result = await graphql(
        app,
        '{ good: trade(id: "newest") { id timestamp time } bad: trade(id: "far-future") { id timestamp } }',
        {},
        await producerHeaders(),
      );
      expect(result.data).toEqual({
        good: { id: 'newest', timestamp: 1700000000500, time: '2023-11-14T22:13:20.500Z' },
        bad: null,
      });
      expect(result.errors).toEqual([
        expect.objectContaining({
          message: farFuture,
          path: ['bad', 'timestamp'],
          extensions: { code: 'INVALID_STORED_VALUE' },
        }),
      ]);
    });

    it('says when a timestamp fits EpochMillis but no DateTime can show it', async () => {
      const result = await graphql(
        app,
        '{ trade(id: "beyond-date") { timestamp time } }',
        {},
        await producerHeaders(),
      );
      expect(result.data).toEqual({ trade: null });
      expect(result.errors).toEqual([
        expect.objectContaining({
          message:
            'The trades row with id "beyond-date" holds timestamp 8700000000000000, beyond ±8640000000000000 ms, which a DateTime cannot show; correct the row in the database',
          path: ['trade', 'time'],
          extensions: { code: 'INVALID_STORED_VALUE' },
        }),
      ]);
    });

    it('nulls only the nullable field holding the value, naming the history row and column', async () => {
      const result = await graphql(
        app,
        '{ portfolioHistory(interval: WEEK) { nodes { id timestamp updatedAt usdTotalValue } } }',
      );
      expect(result.data.portfolioHistory.nodes).toEqual([
        {
          id: String(pointId),
          timestamp: 1700000000000,
          updatedAt: null,
          usdTotalValue: '1.000000000000000000',
        },
      ]);
      expect(result.errors).toEqual([
        expect.objectContaining({
          message: `The portfolio_history row with id ${pointId} holds updated_at -9223372036854775808, beyond ±9007199254740991 (2^53 − 1), which EpochMillis cannot carry exactly; correct the row in the database`,
          path: ['portfolioHistory', 'nodes', 0, 'updatedAt'],
          extensions: { code: 'INVALID_STORED_VALUE' },
        }),
      ]);
    });
  });
});
