/**
 * The producer API: upserts and deletes of trades and history, each call all
 * or nothing, and every bad input refused with a clear error and nothing
 * written.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { historyPoint, resetTables, trade, tradeInput } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { dataStatements, forEachDriver } from './support/test-database.ts';

const UPSERT_TRADES = /* GraphQL */ `
  mutation Upsert($trades: [TradeInput!]!) {
    upsertTrades(trades: $trades) {
      insertedCount
      updatedCount
      unchangedCount
      trades {
        id
        timestamp
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
  }
`;
const UPSERT_TRADES_COUNTS = /* GraphQL */ `
  mutation Upsert($trades: [TradeInput!]!) {
    upsertTrades(trades: $trades) {
      insertedCount
      updatedCount
      unchangedCount
    }
  }
`;

const batch = (size: number, prefix = 'order') =>
  Array.from({ length: size }, (_, index) =>
    tradeInput(`${prefix}-${index}`, { timestamp: 1700000000000 + index }),
  );

forEachDriver((database) => {
  let app: App;
  let producer: Record<string, string>;
  const tradeCount = () => database().db.$count(trades);
  const historyCount = () => database().db.$count(portfolioHistory);

  beforeAll(async () => {
    app = createTestApp(database());
    producer = await producerHeaders();
  });
  beforeEach(() => resetTables(database().db));

  describe('upsertTrades', () => {
    it('inserts, then updates, then leaves identical trades alone', async () => {
      const first = await graphql(
        app,
        UPSERT_TRADES,
        { trades: [tradeInput('a'), tradeInput('b')] },
        producer,
      );
      expect(first.errors).toBeUndefined();
      expect(first.data.upsertTrades).toMatchObject({ insertedCount: 2, updatedCount: 0, unchangedCount: 0 });
      expect(first.data.upsertTrades.trades[0]).toEqual({
        id: 'a',
        timestamp: 1700000000000,
        market: 'KRAKEN',
        symbol: 'BTC/USD',
        baseAsset: 'BTC',
        quoteAsset: 'USD',
        isBuy: true,
        amount: '0.500000000000000000',
        price: '36000.123456789012345678',
        usdValue: '18000.061728394506172839',
      });

      const second = await graphql(
        app,
        UPSERT_TRADES,
        { trades: [tradeInput('c'), tradeInput('b', { amount: '0.75' }), tradeInput('a')] },
        producer,
      );
      expect(second.data.upsertTrades).toMatchObject({
        insertedCount: 1,
        updatedCount: 1,
        unchangedCount: 1,
      });
      // In the order sent, unchanged ones included.
      expect(
        second.data.upsertTrades.trades.map((row: { id: string; amount: string }) => [row.id, row.amount]),
      ).toEqual([
        ['c', '0.500000000000000000'],
        ['b', '0.750000000000000000'],
        ['a', '0.500000000000000000'],
      ]);
      expect(await tradeCount()).toBe(3);
    });

    it('treats equal numbers written differently as unchanged', async () => {
      await graphql(app, UPSERT_TRADES_COUNTS, { trades: [tradeInput('a', { amount: '0.5' })] }, producer);
      const again = await graphql(
        app,
        UPSERT_TRADES_COUNTS,
        { trades: [tradeInput('a', { amount: '0.500' })] },
        producer,
      );
      expect(again.data.upsertTrades).toEqual({ insertedCount: 0, updatedCount: 0, unchangedCount: 1 });
    });

    it('writes 10,000 trades in one statement, past the 65,535 bind parameters', async () => {
      database().statements.length = 0;
      const result = await graphql(app, UPSERT_TRADES_COUNTS, { trades: batch(10_000) }, producer);
      expect(result.errors).toBeUndefined();
      expect(result.data.upsertTrades.insertedCount).toBe(10_000);
      // The batch, then its entry in the change log (src/db/change-log.ts).
      expect(dataStatements(database())).toHaveLength(2);
      expect(dataStatements(database())[0]).toMatch(/^insert into "trades" .* from unnest\(/);
      expect(dataStatements(database())[1]).toMatch(/^select folioql_record_changes\(/);
      expect(await tradeCount()).toBe(10_000);
    });

    it('stores SQL metacharacters in ids and symbols verbatim', async () => {
      const nasty = [
        "'; drop table trades; --",
        'a"b\\c',
        "Robert'); DELETE FROM trades;--",
        '$1 $$ %s ?',
        '😀 ünïcode',
      ];
      const input = nasty.map((text, index) => tradeInput(text, { symbol: text, baseAsset: `B${index}` }));
      const result = await graphql(app, UPSERT_TRADES_COUNTS, { trades: input }, producer);
      expect(result.data.upsertTrades.insertedCount).toBe(nasty.length);
      const read = await graphql(app, '{ trades(first: 10) { nodes { id symbol } } }', {}, producer);
      expect(
        read.data.trades.nodes.map((row: { id: string; symbol: string }) => [row.id, row.symbol]).sort(),
      ).toEqual(nasty.map((text) => [text, text]).sort());
      expect(await tradeCount()).toBe(nasty.length);
    });

    it('does not return the rows unless they are selected', async () => {
      database().statements.length = 0;
      await graphql(app, UPSERT_TRADES_COUNTS, { trades: [tradeInput('a')] }, producer);
      // Only the keys of the rows written (for the change log) and whether each was new.
      expect(dataStatements(database())[0]).toMatch(
        /returning json_build_array\("trades"\."id", "trades"\."market", "trades"\."symbol"\), \(xmax = 0\)$/,
      );
    });
  });

  describe('upsertTrades refuses bad input, writing nothing', () => {
    async function expectNothingWritten(variables: Record<string, unknown>, message: string | RegExp) {
      await database()
        .db.insert(trades)
        .values(trade({ id: 'existing' }));
      const result = await graphql(app, UPSERT_TRADES_COUNTS, variables, producer);
      expect(result.data?.upsertTrades ?? null).toBeNull();
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0]!.message).toMatch(message);
      const stored = await database().db.select().from(trades);
      expect(stored.map((row) => row.id)).toEqual(['existing']);
      return result;
    }

    it.each([
      [
        'amount "1e400"',
        { amount: '1e400' },
        'NaN, Infinity and exponent forms are not accepted, got "1e400"',
      ],
      [
        '19 fractional digits',
        { price: '1.1234567890123456789' },
        'at most 18 digits after the decimal point, got 19',
      ],
      [
        '31 integer digits',
        { usdValue: '1234567890123456789012345678901' },
        'at most 30 digits before the decimal point',
      ],
      ['an unknown market', { market: 'BINANCE' }, 'Value "BINANCE" does not exist in "Market" enum'],
      ['an amount sent as a JSON number', { amount: 0.1 }, 'may already have lost digits'],
    ])('a batch whose 5,000th trade has %s', async (_, change, reason) => {
      const trades: Record<string, unknown>[] = batch(5_000);
      trades[4_999] = { ...trades[4_999]!, ...change };
      const field = Object.keys(change)[0];
      const result = await expectNothingWritten(
        { trades },
        new RegExp(
          `^Variable "\\$trades" got invalid value .* at "trades\\[4999\\]\\.${field}"; .*${escape(reason)}`,
        ),
      );
      expect(result.status).toBe(400);
    });

    it('the same id twice', async () => {
      await expectNothingWritten(
        { trades: [tradeInput('x'), tradeInput('y'), tradeInput('x', { amount: '2' })] },
        'Argument "trades" of Mutation.upsertTrades has the id "x" twice, at [0] and [2]; send each once',
      );
    });

    it('10,001 trades', async () => {
      await expectNothingWritten(
        { trades: batch(10_001) },
        'Argument "trades" of Mutation.upsertTrades has 10001 items; at most 10000 are allowed in one call',
      );
    });

    it('an id of 10,000 characters', async () => {
      await expectNothingWritten(
        { trades: [tradeInput('ok'), tradeInput('x'.repeat(10_000))] },
        'Argument "trades" of Mutation.upsertTrades: trades[1].id is 10000 characters long; at most 256 are allowed',
      );
    });

    it('a timestamp beyond the range of a date, which no reader could show', async () => {
      await expectNothingWritten(
        { trades: [tradeInput('far', { timestamp: 8_700_000_000_000_000 })] },
        'Argument "trades" of Mutation.upsertTrades: trades[0].timestamp is 8700000000000000; stored instants must be within ±8640000000000000 ms',
      );
    });

    it('an empty symbol', async () => {
      await expectNothingWritten(
        { trades: [tradeInput('a', { symbol: '' })] },
        'Argument "trades" of Mutation.upsertTrades: trades[0].symbol must not be empty',
      );
    });

    it('a NUL character, which PostgreSQL cannot store', async () => {
      await expectNothingWritten(
        { trades: [tradeInput('a\u0000b')] },
        'trades[0].id contains a NUL character, which PostgreSQL cannot store',
      );
    });

    it.each(['id', 'symbol', 'baseAsset', 'quoteAsset'])(
      'a lone UTF-16 surrogate in %s, which PostgreSQL would store as U+FFFD',
      async (field) => {
        const result = await expectNothingWritten(
          { trades: [tradeInput('ok'), tradeInput('lone', { [field]: 'B\ud800TC' })] },
          `Argument "trades" of Mutation.upsertTrades: trades[1].${field} contains a lone UTF-16 surrogate (\\uD800 at offset 1), which is not a character; send well-formed Unicode text (PostgreSQL would store it as U+FFFD)`,
        );
        expect(errorsOf(result)[0]?.code).toBe('BAD_USER_INPUT');
      },
    );

    it('two ids that differ only in lone surrogates, which would become one row', async () => {
      // Stored as given, both would be "x\ufffd": one insert and one update of the same row.
      const result = await expectNothingWritten(
        { trades: [tradeInput('x\udc00'), tradeInput('x\udfff')] },
        'Argument "trades" of Mutation.upsertTrades: trades[0].id contains a lone UTF-16 surrogate (\\uDC00 at offset 1)',
      );
      expect(errorsOf(result)[0]?.code).toBe('BAD_USER_INPUT');
      // A surrogate pair is a character, and is stored as one.
      const pair = await graphql(
        app,
        UPSERT_TRADES_COUNTS,
        { trades: [tradeInput('x\ud83d\ude00')] },
        producer,
      );
      expect(pair.data.upsertTrades.insertedCount).toBe(1);
      const ids = (await database().db.select().from(trades)).map((row) => row.id).sort();
      expect(ids).toEqual(['existing', 'x\u{1F600}']);
    });

    it('a literal with an exponent in the query text, naming the field', async () => {
      const result = await graphql(
        app,
        `
          mutation {
            upsertTrades(
              trades: [
                {
                  id: "a"
                  timestamp: 1700000000000
                  market: KRAKEN
                  symbol: "BTC/USD"
                  baseAsset: "BTC"
                  quoteAsset: "USD"
                  isBuy: true
                  amount: 1e400
                  price: 1
                  usdValue: 1
                }
              ]
            ) {
              insertedCount
            }
          }
        `,
        {},
        producer,
      );
      expect(result.errors?.map((error) => error.message)).toEqual([
        'Field "amount" of TradeInput in Argument "trades" of Mutation.upsertTrades: Decimal must be plain decimal digits such as "-1234.5678"; NaN, Infinity and exponent forms are not accepted, got "1e400"',
      ]);
      expect(await tradeCount()).toBe(0);
    });
  });

  it('survives 20 producers upserting overlapping ids at once: no error, no lost row, no torn row', async () => {
    const ids = Array.from({ length: 50 }, (_, index) => `shared-${index}`);
    const writers = Array.from({ length: 20 }, (_, writer) => {
      // Each writer sends its own slice of ids in its own order, and its own values.
      const mine = ids.filter((_, index) => (index + writer) % 3 !== 0);
      const ordered = writer % 2 === 0 ? mine : [...mine].reverse();
      return ordered.map((id) =>
        tradeInput(id, {
          amount: `${writer}.5`,
          price: `${writer * 1000}`,
          usdValue: `${writer * 1000 + 500}`,
        }),
      );
    });
    const results = await Promise.all(
      writers.map((trades) => graphql(app, UPSERT_TRADES_COUNTS, { trades }, producer)),
    );
    for (const result of results) expect(result.errors).toBeUndefined();

    const stored = await database().db.select().from(trades);
    expect(stored.map((row) => row.id).sort()).toEqual([...ids].sort());
    for (const row of stored) {
      // Every column of a row comes from one and the same write.
      const writer = Number(row.amount.split('.')[0]);
      expect(writers[writer]!.some((input) => input.id === row.id)).toBe(true);
      expect(row.price).toBe(`${writer * 1000}.000000000000000000`);
      expect(row.usdValue).toBe(`${writer * 1000 + 500}.000000000000000000`);
    }
  });

  describe('deleteTrades', () => {
    it('deletes the given ids and ignores unknown ones', async () => {
      await database()
        .db.insert(trades)
        .values([trade({ id: 'a' }), trade({ id: 'b' }), trade({ id: 'c' })]);
      const result = await graphql(
        app,
        'mutation($ids: [ID!]!) { deleteTrades(ids: $ids) { deletedCount deletedIds } }',
        { ids: ['a', 'c', 'nope'] },
        producer,
      );
      expect(result.data.deleteTrades.deletedCount).toBe(2);
      expect(result.data.deleteTrades.deletedIds.sort()).toEqual(['a', 'c']);
      expect((await database().db.select().from(trades)).map((row) => row.id)).toEqual(['b']);
    });

    it('refuses an id with a lone surrogate, which would delete the U+FFFD row it does not name', async () => {
      await database()
        .db.insert(trades)
        .values([trade({ id: 'a\ufffd' }), trade({ id: 'b' })]);
      const result = await graphql(
        app,
        'mutation($ids: [ID!]!) { deleteTrades(ids: $ids) { deletedCount } }',
        { ids: ['b', 'a\ud800'] },
        producer,
      );
      expect(result.data).toBeNull();
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message:
            'Argument "ids" of Mutation.deleteTrades: ids[1] contains a lone UTF-16 surrogate (\\uD800 at offset 1), which is not a character; send well-formed Unicode text (PostgreSQL would store it as U+FFFD)',
        },
      ]);
      expect((await database().db.select().from(trades)).map((row) => row.id).sort()).toEqual([
        'a\ufffd',
        'b',
      ]);
    });

    it('refuses more ids than a batch may hold', async () => {
      const ids = Array.from({ length: 10_001 }, (_, index) => `id-${index}`);
      const result = await graphql(
        app,
        'mutation($ids: [ID!]!) { deleteTrades(ids: $ids) { deletedCount } }',
        { ids },
        producer,
      );
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message:
            'Argument "ids" of Mutation.deleteTrades has 10001 items; at most 10000 are allowed in one call',
        },
      ]);
    });
  });

  describe('upsertPortfolioHistory', () => {
    const UPSERT_HISTORY = /* GraphQL */ `
      mutation ($points: [PortfolioHistoryInput!]!) {
        upsertPortfolioHistory(points: $points) {
          insertedCount
          updatedCount
          unchangedCount
          points {
            id
            timestamp
            updatedAt
            market
            interval
            usdTotalValue
            intervalPctReturn
            benchmarkEthValue
          }
        }
      }
    `;
    const week = (overrides: Record<string, unknown> = {}) => ({
      timestamp: 1700000000000,
      market: 'KRAKEN',
      interval: 'WEEK',
      updatedAt: 1700100000000,
      usdTotalValue: '1000.5',
      intervalPctReturn: '1.25',
      ...overrides,
    });

    it('rewrites the ongoing week in place, keeping its id', async () => {
      const first = await graphql(
        app,
        UPSERT_HISTORY,
        { points: [week(), week({ interval: 'DAY' })] },
        producer,
      );
      expect(first.data.upsertPortfolioHistory).toMatchObject({ insertedCount: 2, updatedCount: 0 });
      const [point] = first.data.upsertPortfolioHistory.points;

      const rewrite = await graphql(
        app,
        UPSERT_HISTORY,
        { points: [week({ updatedAt: 1700200000000, usdTotalValue: '1010.75', intervalPctReturn: '2.5' })] },
        producer,
      );
      expect(rewrite.data.upsertPortfolioHistory).toMatchObject({
        insertedCount: 0,
        updatedCount: 1,
        unchangedCount: 0,
      });
      expect(rewrite.data.upsertPortfolioHistory.points).toEqual([
        {
          id: point.id,
          timestamp: 1700000000000,
          updatedAt: 1700200000000,
          market: 'KRAKEN',
          interval: 'WEEK',
          usdTotalValue: '1010.750000000000000000',
          intervalPctReturn: '2.500000000000000000',
          benchmarkEthValue: null,
        },
      ]);
      expect(await historyCount()).toBe(2);
    });

    it('stamps updatedAt with the time of the write when it is left out', async () => {
      const before = Date.now();
      const result = await graphql(
        app,
        UPSERT_HISTORY,
        { points: [week({ updatedAt: undefined })] },
        producer,
      );
      const { updatedAt } = result.data.upsertPortfolioHistory.points[0];
      expect(updatedAt).toBeGreaterThanOrEqual(before);
      expect(updatedAt).toBeLessThanOrEqual(Date.now());
    });

    it('counts a point sent again as unchanged, even without updatedAt', async () => {
      const counts =
        'mutation($points: [PortfolioHistoryInput!]!) { upsertPortfolioHistory(points: $points) { insertedCount updatedCount unchangedCount } }';
      await graphql(app, counts, { points: [week({ updatedAt: undefined })] }, producer);
      const again = await graphql(app, counts, { points: [week({ updatedAt: undefined })] }, producer);
      expect(again.data.upsertPortfolioHistory).toEqual({
        insertedCount: 0,
        updatedCount: 0,
        unchangedCount: 1,
      });
    });

    it('refuses the same point twice, writing nothing', async () => {
      const result = await graphql(
        app,
        UPSERT_HISTORY,
        { points: [week(), week({ usdTotalValue: '1' })] },
        producer,
      );
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message:
            'Argument "points" of Mutation.upsertPortfolioHistory has the point (kraken, week, 1700000000000) twice, at [0] and [1]; send each once',
        },
      ]);
      expect(await historyCount()).toBe(0);
    });

    it('refuses a point without market or interval: they are its key', async () => {
      const result = await graphql(app, UPSERT_HISTORY, { points: [week({ market: null })] }, producer);
      expect(result.errors?.[0]?.message).toContain(
        'at "points[0].market"; Expected non-nullable type "Market!" not to be null',
      );
      expect(await historyCount()).toBe(0);
    });
  });

  describe('deletePortfolioHistory', () => {
    const DELETE = /* GraphQL */ `
      mutation ($where: PortfolioHistoryWhere!, $atMost: Int) {
        deletePortfolioHistory(where: $where, atMost: $atMost) {
          deletedCount
          deletedIds
        }
      }
    `;
    beforeEach(async () => {
      await database()
        .db.insert(portfolioHistory)
        .values(
          [0, 1, 2, 3].map((week) => historyPoint({ timestamp: String(1700000000000 + week * 604_800_000) })),
        );
    });

    it('deletes the one point a where names', async () => {
      const result = await graphql(
        app,
        DELETE,
        { where: { timestamp: { eq: 1700000000000 }, interval: { eq: 'WEEK' } } },
        producer,
      );
      expect(result.data.deletePortfolioHistory.deletedCount).toBe(1);
      expect(await historyCount()).toBe(3);
    });

    it('deletes nothing when more points match than atMost', async () => {
      const result = await graphql(
        app,
        DELETE,
        { where: { timestamp: { gte: 1700000000000 } }, atMost: 3 },
        producer,
      );
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message:
            'More than 3 history points match Argument "where" of Mutation.deletePortfolioHistory; nothing was deleted. Narrow the where, or raise atMost.',
        },
      ]);
      expect(await historyCount()).toBe(4);
      const enough = await graphql(
        app,
        DELETE,
        { where: { timestamp: { gte: 1700000000000 } }, atMost: 4 },
        producer,
      );
      expect(enough.data.deletePortfolioHistory.deletedCount).toBe(4);
    });

    it('takes long in lists as one parameter each', async () => {
      const timestamps = Array.from({ length: 1000 }, (_, index) => 1700000000000 + index * 604_800_000);
      const where = { or: Array.from({ length: 80 }, () => ({ timestamp: { in: timestamps } })) };
      database().statements.length = 0;
      const result = await graphql(app, DELETE, { where, atMost: 10 }, producer);
      expect(result.data.deletePortfolioHistory.deletedCount).toBe(4);
    });

    it('combines conditions with and / or', async () => {
      const where = {
        interval: { in: ['WEEK'] },
        or: [{ timestamp: { eq: 1700000000000 } }, { timestamp: { gt: 1700000000000 + 2 * 604_800_000 } }],
      };
      const result = await graphql(app, DELETE, { where, atMost: 10 }, producer);
      expect(result.data.deletePortfolioHistory.deletedCount).toBe(2);
    });

    it.each([
      [
        {},
        'Argument "where" of Mutation.deletePortfolioHistory has no condition; deleting every point is not allowed',
      ],
      [{ market: {} }, 'has no condition; deleting every point is not allowed'],
      [{ and: [] }, 'has no condition; deleting every point is not allowed'],
      [
        { or: [{ market: { eq: 'KRAKEN' } }, {}] },
        'Argument "where" of Mutation.deletePortfolioHistory.or[1] has no condition',
      ],
      [
        { id: { eq: 'abc' } },
        'Argument "where" of Mutation.deletePortfolioHistory.id: "abc" is not a history point id',
      ],
    ])('refuses the where %j, deleting nothing', async (where, message) => {
      const result = await graphql(app, DELETE, { where, atMost: 100 }, producer);
      expect(errorsOf(result)).toHaveLength(1);
      expect(errorsOf(result)[0]).toEqual({
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining(message),
      });
      expect(await historyCount()).toBe(4);
    });

    it.each([0, 10_001])('refuses atMost %i', async (atMost) => {
      const result = await graphql(app, DELETE, { where: { market: { eq: 'KRAKEN' } }, atMost }, producer);
      expect(errorsOf(result)[0]?.message).toBe(
        `Argument "atMost" of Mutation.deletePortfolioHistory must be from 1 to 10000, got ${atMost}`,
      );
    });
  });

  describe('producer reads', () => {
    beforeEach(async () => {
      await database()
        .db.insert(trades)
        .values([
          trade({ id: 'a', timestamp: '1700000000000', isBuy: true }),
          trade({ id: 'b', timestamp: '1700000000000', isBuy: false, symbol: 'ETH/USD' }),
          trade({ id: 'c', timestamp: '1700000001000', isBuy: true }),
        ]);
    });

    it('lists every trade newest first, filtered, with a total', async () => {
      const result = await graphql(
        app,
        '{ all: trades { totalCount nodes { id } } buys: trades(isBuy: true, symbol: "BTC/USD", from: 1700000000000, to: 1700000001000) { totalCount nodes { id } } }',
        {},
        producer,
      );
      expect(result.data.all).toEqual({ totalCount: 3, nodes: [{ id: 'c' }, { id: 'a' }, { id: 'b' }] });
      expect(result.data.buys).toEqual({ totalCount: 1, nodes: [{ id: 'a' }] });
    });

    it('pages newest first across equal timestamps', async () => {
      const page1 = await graphql(
        app,
        '{ trades(first: 2) { nodes { id } pageInfo { endCursor hasNextPage } } }',
        {},
        producer,
      );
      expect(page1.data.trades.nodes).toEqual([{ id: 'c' }, { id: 'a' }]);
      const page2 = await graphql(
        app,
        'query($after: String) { trades(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage } } }',
        { after: page1.data.trades.pageInfo.endCursor },
        producer,
      );
      expect(page2.data.trades).toEqual({ nodes: [{ id: 'b' }], pageInfo: { hasNextPage: false } });
    });

    it('finds one trade by id', async () => {
      const result = await graphql(
        app,
        '{ found: trade(id: "b") { id symbol } missing: trade(id: "zzz") { id } }',
        {},
        producer,
      );
      expect(result.data).toEqual({ found: { id: 'b', symbol: 'ETH/USD' }, missing: null });
    });

    it('refuses lookups by text with a lone surrogate, which would match the U+FFFD row', async () => {
      await database()
        .db.insert(trades)
        .values(trade({ id: 'd\ufffd', symbol: 'X\ufffd' }));
      const lookups: [string, Record<string, unknown>, string][] = [
        ['query($id: ID!) { trade(id: $id) { id } }', { id: 'd\ud800' }, 'Argument "id" of Query.trade'],
        [
          'query($symbol: String) { trades(symbol: $symbol) { totalCount } }',
          { symbol: 'X\udbff' },
          'Argument "symbol" of Query.trades',
        ],
        [
          'query($symbol: String) { latestTrades(symbol: $symbol) { id } }',
          { symbol: 'X\udbff' },
          'Argument "symbol" of Query.latestTrades',
        ],
        [
          'query($where: TradeWhere) { trades(where: $where) { totalCount } }',
          { where: { or: [{ symbol: { eq: 'BTC/USD' } }, { id: { in: ['a', 'd\ud800'] } }] } },
          'Argument "where" of Query.trades.or[1].id',
        ],
        [
          'query($where: TradeWhere) { trades(where: $where) { totalCount } }',
          { where: { symbol: { eq: 'X\udbff' } } },
          'Argument "where" of Query.trades.symbol',
        ],
      ];
      for (const [query, variables, where] of lookups) {
        const result = await graphql(app, query, variables, producer);
        expect(errorsOf(result)).toEqual([
          { code: 'BAD_USER_INPUT', message: expect.stringMatching(/contains a lone UTF-16 surrogate/) },
        ]);
        expect(result.errors![0]!.message.startsWith(`${where} contains a lone UTF-16 surrogate`)).toBe(true);
      }
    });

    it('refuses them to anonymous callers, saying which role is needed', async () => {
      const result = await graphql(app, '{ trades { totalCount } }');
      expect(errorsOf(result)).toEqual([
        {
          code: 'FORBIDDEN',
          message:
            'Query.trades needs the api_data_producer role; this request has the api_anon role. Send "Authorization: Bearer <token>" with a token for that role.',
        },
      ]);
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
