/**
 * Every where operator and every ordering, checked against the same filter
 * and sort computed here from the generated rows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPortfolio, seedDemoData } from '../src/db/demo-data.ts';
import { portfolioHistory } from '../src/db/schema.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { compareFixed18 } from './support/decimal.ts';
import { resetTables } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql, type GraphQLResult } from './support/graphql.ts';
import { forEachDriver } from './support/test-database.ts';

const demo = generateDemoPortfolio();
type DemoTrade = (typeof demo.trades)[number];
type DemoPoint = (typeof demo.history)[number];

// Pivots taken from the data, so every operator has rows on both sides of them.
const byTime = [...demo.trades].sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
const sharedMillisecond = byTime.find((row, i) => byTime[i + 1]?.timestamp === row.timestamp)!.timestamp;
const midTime = Number(byTime[Math.floor(byTime.length / 2)]!.timestamp);
const pick = (i: number) => demo.trades[i]!;
const midUsd = pick(100).usdValue;
const midAmount = pick(200).amount;
const midPrice = pick(300).price;

type Comparison = 'eq' | 'in' | 'gt' | 'gte' | 'lt' | 'lte';
const numberTest: Record<Comparison, (value: number, pivot: number | number[]) => boolean> = {
  eq: (value, pivot) => value === pivot,
  in: (value, pivot) => (pivot as number[]).includes(value),
  gt: (value, pivot) => value > (pivot as number),
  gte: (value, pivot) => value >= (pivot as number),
  lt: (value, pivot) => value < (pivot as number),
  lte: (value, pivot) => value <= (pivot as number),
};
const decimalTest: Record<Comparison, (value: string, pivot: string | string[]) => boolean> = {
  eq: (value, pivot) => compareFixed18(value, pivot as string) === 0,
  in: (value, pivot) => (pivot as string[]).some((one) => compareFixed18(value, one) === 0),
  gt: (value, pivot) => compareFixed18(value, pivot as string) > 0,
  gte: (value, pivot) => compareFixed18(value, pivot as string) >= 0,
  lt: (value, pivot) => compareFixed18(value, pivot as string) < 0,
  lte: (value, pivot) => compareFixed18(value, pivot as string) <= 0,
};
const COMPARISONS: Comparison[] = ['eq', 'in', 'gt', 'gte', 'lt', 'lte'];

interface Case<Row> {
  name: string;
  where: Record<string, unknown>;
  matches: (row: Row) => boolean;
}

const tradeCases: Case<DemoTrade>[] = [
  ...COMPARISONS.map((op) => {
    const pivot =
      op === 'eq'
        ? Number(sharedMillisecond)
        : op === 'in'
          ? [midTime, Number(sharedMillisecond), 1]
          : midTime;
    return {
      name: `timestamp ${op}`,
      where: { timestamp: { [op]: pivot } },
      matches: (row: DemoTrade) => numberTest[op](Number(row.timestamp), pivot),
    };
  }),
  ...(['usdValue', 'amount', 'price'] as const).flatMap((field) => {
    const pivot = { usdValue: midUsd, amount: midAmount, price: midPrice }[field];
    return COMPARISONS.map((op) => {
      // A different writing of the same number: compared as numbers, not text.
      const value = op === 'in' ? [`00${pivot}`, '1.5'] : op === 'eq' ? `0${pivot}` : pivot;
      return {
        name: `${field} ${op}`,
        where: { [field]: { [op]: value } },
        matches: (row: DemoTrade) => decimalTest[op](row[field], value),
      };
    });
  }),
  { name: 'market eq', where: { market: { eq: 'KRAKEN' } }, matches: () => true },
  { name: 'market in', where: { market: { in: ['KRAKEN'] } }, matches: () => true },
  { name: 'symbol eq', where: { symbol: { eq: 'SOL/USD' } }, matches: (row) => row.symbol === 'SOL/USD' },
  {
    name: 'symbol in',
    where: { symbol: { in: ['SOL/USD', 'XRP/USD', 'NONE'] } },
    matches: (row) => ['SOL/USD', 'XRP/USD'].includes(row.symbol),
  },
  { name: 'side eq', where: { side: { eq: 'SELL' } }, matches: (row) => !row.isBuy },
  { name: 'side in', where: { side: { in: ['BUY', 'SELL'] } }, matches: () => true },
  {
    name: 'id in',
    where: { id: { in: [pick(5).id, pick(9).id] } },
    matches: (row) => [pick(5).id, pick(9).id].includes(row.id),
  },
  {
    name: 'and, or',
    where: {
      side: { eq: 'BUY' },
      or: [
        { symbol: { eq: 'BTC/USD' } },
        { and: [{ usdValue: { gt: midUsd } }, { timestamp: { lt: midTime } }] },
      ],
    },
    matches: (row) =>
      row.isBuy &&
      (row.symbol === 'BTC/USD' ||
        (compareFixed18(row.usdValue, midUsd) > 0 && Number(row.timestamp) < midTime)),
  },
];

const midTotal = demo.history[400]!.usdTotalValue!;
const historyCases: Case<DemoPoint>[] = [
  ...COMPARISONS.map((op) => {
    const value = op === 'in' ? [midTotal, '1'] : midTotal;
    return {
      name: `usdTotalValue ${op}`,
      where: { usdTotalValue: { [op]: value } },
      matches: (row: DemoPoint) => decimalTest[op](row.usdTotalValue!, value),
    };
  }),
  {
    name: 'intervalPctReturn lt 0, or timestamp in',
    where: {
      or: [{ intervalPctReturn: { lt: '0' } }, { timestamp: { in: [Number(demo.history[3]!.timestamp)] } }],
    },
    matches: (row) =>
      compareFixed18(row.intervalPctReturn!, '0') < 0 || row.timestamp === demo.history[3]!.timestamp,
  },
  { name: 'interval in', where: { interval: { in: ['DAY'] } }, matches: (row) => row.interval === 'day' },
  {
    name: 'id in (serial ids)',
    where: { id: { in: ['1', '2', '730', '731'] } },
    matches: (row) => [0, 1, 729, 730].includes(demo.history.indexOf(row)),
  },
];

interface Page {
  nodes: { id: string }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

/** Every node of a connection, paging by `first`/`after` (or `last`/`before`). */
async function everyNode(
  app: App,
  field: string,
  args: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  backward = false,
): Promise<{ id: string }[]> {
  const [size, cursor] = backward ? ['last', 'before'] : ['first', 'after'];
  const nodes: { id: string }[] = [];
  let position: string | null = null;
  for (let page = 0; page < 100; page++) {
    const result: GraphQLResult<Record<string, Page>> = await graphql(
      app,
      `query($where: ${field === 'trades' ? 'TradeWhere' : 'PortfolioHistoryWhere'}, $cursor: String) {
         ${field}(${args}, where: $where, ${size}: 500, ${cursor}: $cursor) {
           nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
      { ...variables, cursor: position },
      headers,
    );
    expect(result.errors).toBeUndefined();
    const { nodes: pageNodes, pageInfo }: Page = result.data![field]!;
    if (backward) nodes.unshift(...pageNodes);
    else nodes.push(...pageNodes);
    if (!(backward ? pageInfo.hasPreviousPage : pageInfo.hasNextPage)) return nodes;
    position = backward ? pageInfo.startCursor : pageInfo.endCursor;
  }
  throw new Error('too many pages');
}

forEachDriver((database) => {
  let app: App;
  let producer: Record<string, string>;
  let historyIds: Map<string, number>;
  beforeAll(async () => {
    app = createTestApp(database());
    producer = await producerHeaders();
    await resetTables(database().db);
    await seedDemoData(database().db);
    // History ids are serial: map the generated rows to them by their key.
    const rows = await database().db.select().from(portfolioHistory);
    historyIds = new Map(rows.map((row) => [`${row.interval} ${row.timestamp}`, row.id]));
  });

  describe('Query.trades(where)', () => {
    it.each(tradeCases)('$name', async ({ where, matches }) => {
      const nodes = await everyNode(app, 'trades', 'orderBy: [TIMESTAMP_ASC]', { where }, producer);
      const expected = demo.trades
        .filter(matches)
        .sort((a, b) => Number(a.timestamp) - Number(b.timestamp) || (a.id < b.id ? -1 : 1))
        .map((row) => row.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(nodes.map((node) => node.id)).toEqual(expected);
    });
  });

  describe('Query.portfolioHistory(where)', () => {
    it.each(historyCases)('$name', async ({ where, matches }) => {
      for (const interval of ['WEEK', 'DAY']) {
        const nodes = await everyNode(app, 'portfolioHistory', `interval: ${interval}`, { where }, producer);
        const expected = demo.history
          .filter((row) => row.interval === interval.toLowerCase() && matches(row))
          .map((row) => String(historyIds.get(`${row.interval} ${row.timestamp}`)));
        expect(nodes.map((node) => node.id)).toEqual(expected);
      }
    });
  });

  describe('orderBy', () => {
    const sorts: [string, (a: DemoTrade, b: DemoTrade) => number][] = [
      ['[TIMESTAMP_DESC]', (a, b) => Number(b.timestamp) - Number(a.timestamp)],
      [
        '[SYMBOL_ASC, TIMESTAMP_DESC]',
        (a, b) =>
          a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : Number(b.timestamp) - Number(a.timestamp),
      ],
      ['[USD_VALUE_DESC]', (a, b) => compareFixed18(b.usdValue, a.usdValue)],
      [
        '[SYMBOL_DESC, USD_VALUE_ASC]',
        (a, b) =>
          a.symbol > b.symbol ? -1 : a.symbol < b.symbol ? 1 : compareFixed18(a.usdValue, b.usdValue),
      ],
    ];
    it.each(sorts)('%s, forward and backward, ties in id order', async (orderBy, compare) => {
      const expected = [...demo.trades]
        .sort((a, b) => compare(a, b) || (a.id < b.id ? -1 : 1))
        .map((row) => row.id);
      const where = { timestamp: { lt: midTime } };
      const cut = expected.filter(
        (id) => Number(demo.trades.find((row) => row.id === id)!.timestamp) < midTime,
      );
      const forward = await everyNode(app, 'trades', `orderBy: ${orderBy}`, { where }, producer);
      expect(forward.map((node) => node.id)).toEqual(cut);
      const backward = await everyNode(app, 'trades', `orderBy: ${orderBy}`, { where }, producer, true);
      expect(backward.map((node) => node.id)).toEqual(cut);
    });

    it('orders history newest first', async () => {
      const nodes = await everyNode(
        app,
        'portfolioHistory',
        'interval: WEEK, orderBy: [TIMESTAMP_DESC]',
        {},
        producer,
      );
      const weeks = demo.history.filter((row) => row.interval === 'week').reverse();
      expect(nodes.map((node) => node.id)).toEqual(
        weeks.map((row) => String(historyIds.get(`week ${row.timestamp}`))),
      );
    });

    it('refuses an empty or, which would otherwise match everything', async () => {
      const result = await graphql(
        app,
        '{ trades(where: { symbol: { eq: "BTC/USD" }, or: [] }) { totalCount } }',
        {},
        producer,
      );
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message: 'Argument "where" of Query.trades.or is empty; leave it out instead',
        },
      ]);
    });

    it('refuses a cursor from another ordering, and the same field twice', async () => {
      const first = await graphql(app, '{ trades(first: 1) { pageInfo { endCursor } } }', {}, producer);
      const cursor = first.data.trades.pageInfo.endCursor;
      const other = await graphql(
        app,
        'query($after: String) { trades(first: 1, after: $after, orderBy: [SYMBOL_ASC]) { nodes { id } } }',
        { after: cursor },
        producer,
      );
      expect(errorsOf(other)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message:
            'Argument "after" of Query.trades is not a valid cursor: it belongs to the ordering "timestamp_desc", not "symbol_asc"; start again without a cursor',
        },
      ]);
      const twice = await graphql(
        app,
        '{ trades(orderBy: [SYMBOL_ASC, SYMBOL_DESC]) { totalCount } }',
        {},
        producer,
      );
      expect(errorsOf(twice)[0]?.message).toBe('Argument "orderBy" of Query.trades orders by symbol twice');
    });
  });
});
