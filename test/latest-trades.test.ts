import { beforeAll, describe, expect, it } from 'vitest';
import { trades } from '../src/db/schema.ts';
import type { App } from '../src/yoga.ts';
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
});
