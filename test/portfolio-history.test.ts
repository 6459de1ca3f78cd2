import { beforeAll, describe, expect, it } from 'vitest';
import { portfolioHistory } from '../src/db/schema.ts';
import type { App } from '../src/yoga.ts';
import { historyPoint, resetTables, type HistoryInsert } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql, type GraphQLResult } from './support/graphql.ts';
import { dataStatements, forEachDriver } from './support/test-database.ts';

const PAGE = /* GraphQL */ `
  query Page(
    $interval: Interval!
    $market: Market
    $from: EpochMillis
    $to: EpochMillis
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    portfolioHistory(
      interval: $interval
      market: $market
      from: $from
      to: $to
      first: $first
      after: $after
      last: $last
      before: $before
    ) {
      edges {
        cursor
        node {
          id
          timestamp
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

const T = 1_700_000_000_000;
const WEEK = 7 * 86_400_000;

/**
 * Weekly points in groups that share a timestamp (several markets, here NULL
 * ones, at one instant), one daily point, and points outside [from, to).
 */
const fixture: HistoryInsert[] = [
  historyPoint({ timestamp: String(T - WEEK), market: null }),
  ...[0, 0, 0, 1, 2, 2, 2, 2, 3, 4, 4].map((week) =>
    historyPoint({ timestamp: String(T + week * WEEK), market: null }),
  ),
  historyPoint({ timestamp: String(T + WEEK) }),
  historyPoint({ timestamp: String(T + 5 * WEEK), market: null }),
  historyPoint({ timestamp: String(T), interval: 'day' }),
];
const range = { from: T, to: T + 5 * WEEK };

type Edge = { cursor: string; node: { id: string; timestamp: number } };
type PageInfo = {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
};
type Page = { portfolioHistory: { edges: Edge[]; pageInfo: PageInfo } };

forEachDriver((database) => {
  let app: App;
  let expectedIds: string[];

  beforeAll(async () => {
    app = createTestApp(database());
    await resetTables(database().db);
    const inserted = await database().db.insert(portfolioHistory).values(fixture).returning();
    expectedIds = inserted
      .filter(
        (row) =>
          row.interval === 'week' && Number(row.timestamp) >= range.from && Number(row.timestamp) < range.to,
      )
      .sort((a, b) => Number(a.timestamp) - Number(b.timestamp) || a.id - b.id)
      .map((row) => String(row.id));
  });

  describe('paging', () => {
    it.each([1, 2, 3, 5])('pages forward %i at a time with no gap and no repeat', async (size) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 20; page++) {
        const result: GraphQLResult<Page> = await graphql(app, PAGE, {
          interval: 'WEEK',
          ...range,
          first: size,
          after,
        });
        expect(result.errors).toBeUndefined();
        const { edges, pageInfo }: Page['portfolioHistory'] = result.data!.portfolioHistory;
        seen.push(...edges.map((edge) => edge.node.id));
        expect(pageInfo.hasPreviousPage).toBe(after !== null);
        if (!pageInfo.hasNextPage) break;
        expect(edges).toHaveLength(size);
        after = pageInfo.endCursor;
      }
      expect(seen).toEqual(expectedIds);
    });

    it.each([1, 2, 3, 5])('pages backward %i at a time with no gap and no repeat', async (size) => {
      const seen: string[] = [];
      let before: string | null = null;
      for (let page = 0; page < 20; page++) {
        const result: GraphQLResult<Page> = await graphql(app, PAGE, {
          interval: 'WEEK',
          ...range,
          last: size,
          before,
        });
        expect(result.errors).toBeUndefined();
        const { edges, pageInfo }: Page['portfolioHistory'] = result.data!.portfolioHistory;
        seen.unshift(...edges.map((edge) => edge.node.id));
        expect(pageInfo.hasNextPage).toBe(before !== null);
        if (!pageInfo.hasPreviousPage) break;
        expect(edges).toHaveLength(size);
        before = pageInfo.startCursor;
      }
      expect(seen).toEqual(expectedIds);
    });

    it('pages back from the middle of a group of equal timestamps', async () => {
      const forward = await graphql(app, PAGE, { interval: 'WEEK', ...range, first: 7 });
      const edges: Edge[] = forward.data.portfolioHistory.edges;
      // The 7th point is the 2nd of four at one instant.
      expect(edges[6]!.node.timestamp).toBe(edges[5]!.node.timestamp);
      const back = await graphql(app, PAGE, {
        interval: 'WEEK',
        ...range,
        last: 4,
        before: edges[6]!.cursor,
      });
      expect(back.data.portfolioHistory.edges.map((edge: Edge) => edge.node.id)).toEqual(
        expectedIds.slice(2, 6),
      );
      const between = await graphql(app, PAGE, {
        interval: 'WEEK',
        ...range,
        first: 10,
        after: edges[1]!.cursor,
        before: edges[6]!.cursor,
      });
      expect(between.data.portfolioHistory.edges.map((edge: Edge) => edge.node.id)).toEqual(
        expectedIds.slice(2, 6),
      );
    });

    it('gives null cursors on an empty page', async () => {
      const result = await graphql(app, PAGE, { interval: 'WEEK', from: T + 100 * WEEK });
      expect(result.data.portfolioHistory).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
    });
  });

  describe('filters', () => {
    it('takes `from` inclusive and `to` exclusive', async () => {
      const result = await graphql(app, PAGE, { interval: 'WEEK', from: T + WEEK, to: T + 2 * WEEK });
      const timestamps = result.data.portfolioHistory.edges.map((edge: Edge) => edge.node.timestamp);
      expect(timestamps).toEqual([T + WEEK, T + WEEK]);
    });

    it('filters by interval and market, mapping the enums both ways', async () => {
      const query = `query($interval: Interval!, $market: Market) {
        portfolioHistory(interval: $interval, market: $market) { nodes { timestamp market interval } }
      }`;
      const daily = await graphql(app, query, { interval: 'DAY' });
      expect(daily.data.portfolioHistory.nodes).toEqual([
        { timestamp: T, market: 'KRAKEN', interval: 'DAY' },
      ]);
      const kraken = await graphql(app, query, { interval: 'WEEK', market: 'KRAKEN' });
      expect(kraken.data.portfolioHistory.nodes).toEqual([
        { timestamp: T + WEEK, market: 'KRAKEN', interval: 'WEEK' },
      ]);
      const all = await graphql(app, query, { interval: 'WEEK' });
      expect(all.data.portfolioHistory.nodes).toHaveLength(14);
      expect(all.data.portfolioHistory.nodes[0].market).toBeNull();
    });

    it('refuses an unknown enum value', async () => {
      const result = await graphql(app, PAGE, { interval: 'MONTH' });
      expect(result.errors?.[0]?.message).toContain('Value "MONTH" does not exist in "Interval" enum');
    });
  });

  describe('totalCount', () => {
    it('counts every match across pages, with one more statement only when selected', async () => {
      const counted = `query($first: Int) {
        portfolioHistory(interval: WEEK, from: ${range.from}, to: ${range.to}, first: $first) { totalCount nodes { id } }
      }`;
      database().statements.length = 0;
      const result = await graphql(app, counted, { first: 2 });
      expect(result.data.portfolioHistory.totalCount).toBe(expectedIds.length);
      expect(result.data.portfolioHistory.nodes).toHaveLength(2);
      expect(dataStatements(database())).toHaveLength(2);
      expect(dataStatements(database()).filter((statement) => /count\(\*\)/.test(statement))).toHaveLength(1);

      database().statements.length = 0;
      await graphql(app, PAGE, { interval: 'WEEK', ...range, first: 2 });
      expect(dataStatements(database())).toHaveLength(1);
      expect(dataStatements(database())[0]).not.toMatch(/count\(/);
    });
  });

  describe('page size and cursors', () => {
    it('defaults to 100 points a page and allows up to 1000', async () => {
      const days = Array.from({ length: 150 }, (_, day) =>
        historyPoint({ timestamp: String(T + (day + 1) * 86_400_000), interval: 'day' }),
      );
      await database().db.insert(portfolioHistory).values(days);
      const query = `query($first: Int) { portfolioHistory(interval: DAY, first: $first) { nodes { id } pageInfo { hasNextPage } } }`;
      const byDefault = await graphql(app, query);
      expect(byDefault.data.portfolioHistory.nodes).toHaveLength(100);
      expect(byDefault.data.portfolioHistory.pageInfo.hasNextPage).toBe(true);
      const most = await graphql(app, query, { first: 1000 });
      expect(most.data.portfolioHistory.nodes).toHaveLength(151);
      expect(most.data.portfolioHistory.pageInfo.hasNextPage).toBe(false);
    });

    it.each([
      ['first', 1001],
      ['first', -1],
      ['last', 1001],
      ['last', -1],
    ])('refuses %s: %i before any SQL runs', async (argument, size) => {
      database().statements.length = 0;
      const result = await graphql(app, PAGE, { interval: 'WEEK', [argument]: size });
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message: `Argument "${argument}" of Query.portfolioHistory must be from 0 to 1000, got ${size}`,
        },
      ]);
      expect(dataStatements(database())).toEqual([]);
    });

    it('refuses first and last together', async () => {
      const result = await graphql(app, PAGE, { interval: 'WEEK', first: 2, last: 1 });
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message:
            'Query.portfolioHistory takes "first" or "last", not both: page forward with first/after, backward with last/before',
        },
      ]);
    });

    const foreignOrdering = Buffer.from(JSON.stringify(['symbol_desc', 'BTC/USD', 'x'])).toString(
      'base64url',
    );
    const wrongValues = Buffer.from(JSON.stringify(['timestamp_asc', 17, 'x'])).toString('base64url');
    it.each([
      ['garbage', 'not a cursor', 'it was not issued by this API'],
      ['base64 of non-JSON', Buffer.from('hello').toString('base64url'), 'it was not issued by this API'],
      ['another ordering', foreignOrdering, 'it belongs to the ordering "symbol_desc", not "timestamp_asc"'],
      ['values of the wrong types', wrongValues, 'its values do not fit this ordering'],
      [
        'beyond the range of the columns',
        Buffer.from(JSON.stringify(['timestamp_asc', '99999999999999999999', 2 ** 40])).toString('base64url'),
        'its values do not fit this ordering',
      ],
    ])('refuses a cursor that is %s', async (_, cursor, reason) => {
      for (const argument of ['after', 'before']) {
        const result = await graphql(app, PAGE, { interval: 'WEEK', [argument]: cursor });
        expect(errorsOf(result)).toHaveLength(1);
        expect(errorsOf(result)[0]).toEqual({
          code: 'BAD_USER_INPUT',
          message: expect.stringContaining(
            `Argument "${argument}" of Query.portfolioHistory is not a valid cursor: ${reason}`,
          ),
        });
      }
    });
  });

  describe('EpochMillis arguments', () => {
    it.each([
      ['a fraction', '1.5', 'EpochMillis must be an integer number of milliseconds, got 1.5'],
      [
        'beyond 2^53 − 1',
        '9007199254740992',
        'EpochMillis must be within ±9007199254740991 (2^53 − 1), got 9007199254740992',
      ],
      ['a string', '"1700000000000"', 'EpochMillis must be an integer, got the string "1700000000000"'],
    ])('refuses %s in the query text, naming the argument', async (_, literal, reason) => {
      const result = await graphql(
        app,
        `{ portfolioHistory(interval: WEEK, from: ${literal}) { totalCount } }`,
      );
      expect(result.status).toBe(400);
      expect(result.errors?.map((error) => error.message)).toEqual([
        `Argument "from" of Query.portfolioHistory: ${reason}`,
      ]);
    });

    it.each([
      [1.5, 'EpochMillis must be an integer number of milliseconds, got 1.5'],
      [2 ** 53, 'EpochMillis must be within ±9007199254740991 (2^53 − 1), got 9007199254740992'],
      ['1700000000000', 'EpochMillis must be a JSON integer, got the string "1700000000000"'],
    ])('refuses %j in variables, naming the variable', async (value, reason) => {
      const result = await graphql(app, PAGE, { interval: 'WEEK', to: value });
      expect(result.errors?.map((error) => error.message)).toEqual([
        `Variable "$to" got invalid value ${JSON.stringify(value)}; ${reason}`,
      ]);
    });

    it('accepts the extremes of the exact range', async () => {
      const result = await graphql(app, PAGE, { interval: 'WEEK', from: -(2 ** 53 - 1), to: 2 ** 53 - 1 });
      expect(result.errors).toBeUndefined();
    });
  });

  describe('values', () => {
    it('returns every decimal column exactly, and nulls as null', async () => {
      const [point] = await database()
        .db.insert(portfolioHistory)
        .values(
          historyPoint({
            timestamp: String(T + 50 * WEEK),
            updatedAt: '1700000000123',
            usdTotalValue: '123456789012345678901234567890.123456789012345678',
            usdHeld: '0.000000000000000001',
            intervalPctReturn: '-12.345678901234567890',
            benchmarkBtcValue: '99999.999999999999999999',
            benchmarkBtcIntervalPctReturn: '0',
            benchmarkEthValue: null,
            benchmarkEthIntervalPctReturn: null,
          }),
        )
        .returning();
      const result = await graphql(
        app,
        `{ portfolioHistory(interval: WEEK, from: ${T + 50 * WEEK}) { nodes {
            id timestamp time updatedAt market interval usdTotalValue usdHeld intervalPctReturn
            benchmarkBtcValue benchmarkBtcIntervalPctReturn benchmarkEthValue benchmarkEthIntervalPctReturn } } }`,
      );
      expect(result.data.portfolioHistory.nodes).toEqual([
        {
          id: String(point!.id),
          timestamp: T + 50 * WEEK,
          time: new Date(T + 50 * WEEK).toISOString(),
          updatedAt: 1700000000123,
          market: 'KRAKEN',
          interval: 'WEEK',
          usdTotalValue: '123456789012345678901234567890.123456789012345678',
          usdHeld: '0.000000000000000001',
          intervalPctReturn: '-12.345678901234567890',
          benchmarkBtcValue: '99999.999999999999999999',
          benchmarkBtcIntervalPctReturn: '0.000000000000000000',
          benchmarkEthValue: null,
          benchmarkEthIntervalPctReturn: null,
        },
      ]);
    });
  });
});
