/**
 * Operation limits: each refuses an operation just over it, before any SQL
 * runs, and accepts one just under it; producers get looser ones.
 */
import { getIntrospectionQuery } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { tradeInput } from './support/fixtures.ts';
import { createTestApp, graphql, type GraphQLResult } from './support/graphql.ts';
import { forEachDriver } from './support/test-database.ts';

const defaults = loadConfig({}).limits;

/** Trade fields that take no arguments: each costs 1. */
const TRADE_FIELDS = 'id timestamp time market symbol baseAsset quoteAsset isBuy side amount price usdValue';

/** `latestTrades` nested through history points and their trades, `levels` deep in all. */
function nested(levels: number): string {
  // latestTrades(1) > historyPoint(2) > trades(3) > nodes(4) > historyPoint(5) > …, then a leaf.
  const chain = ['latestTrades(limit: 1)'];
  while (chain.length < levels - 1) {
    const last = chain.at(-1)!;
    chain.push(
      last.startsWith('historyPoint')
        ? 'trades(first: 1)'
        : last.startsWith('trades')
          ? 'nodes'
          : 'historyPoint(interval: WEEK)',
    );
  }
  const leaf = chain.at(-1)!.startsWith('trades') ? 'totalCount' : 'id';
  return `{ ${chain.map((field) => `${field} {`).join(' ')} ${leaf} ${'}'.repeat(chain.length)} }`;
}

/**
 * An operation selecting `fields` fields in all: aliased `latestTrades`, each
 * with up to 250 `id`s (graphql-js stops validating many more duplicates).
 */
function broad(fields: number): string {
  const roots: string[] = [];
  for (let left = fields; left > 0;) {
    const ids = Math.min(250, left - 1);
    roots.push(`b${roots.length}: latestTrades(limit: 1) { ${'id '.repeat(Math.max(ids, 1))}}`);
    left -= 1 + Math.max(ids, 1);
  }
  return `{ ${roots.join(' ')} }`;
}

/** `length` trades as a producer sends them (TradeInput), ids `${prefix}-0` onwards. */
function tradeBatch(length: number, prefix: string) {
  return Array.from({ length }, (_, i) => tradeInput(`${prefix}-${i}`, { timestamp: 1700000000000 + i }));
}

function limitOf(result: GraphQLResult<unknown>) {
  const error = result.errors?.find((candidate) => candidate.extensions?.code === 'OPERATION_LIMIT');
  return (
    error && { limit: error.extensions!.limit, max: error.extensions!.max, actual: error.extensions!.actual }
  );
}

forEachDriver((database) => {
  let app: App;
  let producer: Record<string, string>;
  beforeAll(async () => {
    app = createTestApp(database());
    producer = await producerHeaders();
  });

  /** Asserts `query` is refused for `limit` (before any SQL) or passes the limits. */
  async function check(query: string, over: { limit: string; actual: number } | null, headers = {}) {
    database().statements.length = 0;
    const result = await graphql(app, query, {}, headers);
    if (over) {
      expect(limitOf(result)).toMatchObject(over);
      expect(result.status).toBe(400);
      expect(database().statements).toEqual([]);
    } else {
      expect(limitOf(result)).toBeUndefined();
    }
    return result;
  }

  describe('for anonymous callers (defaults)', () => {
    it(`depth ${defaults.reader.depth}`, async () => {
      await check(nested(defaults.reader.depth), null);
      const over = await check(nested(defaults.reader.depth + 1), {
        limit: 'depth',
        actual: defaults.reader.depth + 1,
      });
      expect(over.errors?.[0]?.message).toBe(
        `Operation depth ${defaults.reader.depth + 1} is over the limit of ${defaults.reader.depth} for the api_anon role (LIMIT_DEPTH)`,
      );
    });

    it(`cost ${defaults.reader.cost}`, async () => {
      // Each `latestTrades(limit: n) { 12 fields }` costs 1 + 12n.
      const cost = (limits: number[]) => limits.reduce((total, n) => total + 1 + 12 * n, 0);
      const query = (limits: number[]) =>
        `{ ${limits.map((n, i) => `t${i}: latestTrades(limit: ${n}) { ${TRADE_FIELDS} }`).join(' ')} }`;
      const under = [1000, 1000, 80];
      expect(cost(under)).toBeLessThanOrEqual(defaults.reader.cost);
      await check(query(under), null);
      const over = [1000, 1000, 84];
      expect(cost(over)).toBeGreaterThan(defaults.reader.cost);
      const result = await check(query(over), { limit: 'cost', actual: cost(over) });
      expect(result.errors?.[0]?.message).toContain('ask for smaller pages or fewer fields');
    });

    it(`aliases ${defaults.reader.aliases}`, async () => {
      const query = (count: number) =>
        `{ ${Array.from({ length: count }, (_, i) => `a${i}: latestTrades(limit: 1) { id }`).join(' ')} }`;
      await check(query(defaults.reader.aliases), null);
      await check(query(defaults.reader.aliases + 1), {
        limit: 'aliases',
        actual: defaults.reader.aliases + 1,
      });
    });

    it(`breadth ${defaults.reader.breadth}`, async () => {
      const query = (fields: number) => `{ latestTrades(limit: 1) { ${'id '.repeat(fields - 1)}} }`;
      await check(query(defaults.reader.breadth), null);
      await check(query(defaults.reader.breadth + 1), {
        limit: 'breadth',
        actual: defaults.reader.breadth + 1,
      });
    });

    it(`tokens ${defaults.tokens}, while parsing`, async () => {
      // "{ latestTrades { " and " } }": 5 tokens, then one per repeated field.
      const query = (tokens: number) => `{ latestTrades { ${'id '.repeat(tokens - 5)}} }`;
      // Just under: parsed, then refused for something else (graphql-js's own guard against so many duplicates).
      const under = await graphql(app, query(defaults.tokens));
      expect(under.errors?.[0]?.message).not.toMatch(/tokens|Syntax Error/);
      const over = await graphql(app, query(defaults.tokens + 1));
      expect(limitOf(over)).toMatchObject({ limit: 'tokens', max: defaults.tokens });
      expect(over.errors?.[0]?.message).toBe(
        `The document has more than ${defaults.tokens} tokens (LIMIT_TOKENS); send large inputs as variables`,
      );
    });

    it('allow one introspection root, and count aliases in introspection too', async () => {
      const twice = await graphql(
        app,
        '{ a: __schema { queryType { name } } b: __schema { queryType { name } } }',
      );
      expect(limitOf(twice)).toMatchObject({ limit: 'introspection', max: 1, actual: 2 });
      const aliased = `{ __schema { ${Array.from({ length: defaults.reader.aliases + 1 }, (_, i) => `t${i}: types { name }`).join(' ')} } }`;
      expect(limitOf(await graphql(app, aliased))).toMatchObject({ limit: 'aliases' });
    });

    it('refuse variables nested deeper than any filter needs, before coercing them', async () => {
      let where: Record<string, unknown> = { market: { eq: 'KRAKEN' } };
      for (let level = 0; level < 1_500; level++) where = { and: [where] };
      const result = await graphql(
        app,
        'query($where: PortfolioHistoryWhere) { portfolioHistory(interval: WEEK, where: $where) { totalCount } }',
        { where },
      );
      expect(result.status).toBe(400);
      expect(limitOf(result)).toMatchObject({ limit: 'variables', max: 32 });
    });

    it('price a performance series at the most points it may hold', async () => {
      const series = (count: number) =>
        `{ ${Array.from({ length: count }, (_, i) => `p${i}: portfolioPerformance(interval: DAY) { series { timestamp time portfolioReturnPct benchmarkBtcReturnPct benchmarkEthReturnPct drawdownPct } }`).join(' ')} }`;
      // Each: 10 for the field, 1 + 2000 × 6 for its series.
      await check(series(2), null);
      await check(series(3), { limit: 'cost', actual: 3 * 12_011 });
    });

    it("leave GraphiQL's introspection alone, however deep", async () => {
      const result = await graphql(app, getIntrospectionQuery());
      expect(result.errors).toBeUndefined();
      expect(result.data.__schema.queryType.name).toBe('Query');
    });
  });

  describe('for producers, looser (defaults)', () => {
    it(`depth ${defaults.producer.depth}`, async () => {
      await check(nested(defaults.reader.depth + 1), null, producer);
      await check(nested(defaults.producer.depth), null, producer);
      const over = await check(
        nested(defaults.producer.depth + 1),
        { limit: 'depth', actual: defaults.producer.depth + 1 },
        producer,
      );
      expect(over.errors?.[0]?.message).toContain('for the api_data_producer role (PRODUCER_LIMIT_DEPTH)');
    });

    it(`cost ${defaults.producer.cost}`, async () => {
      // trades(first: n) { nodes { 12 fields } } costs 1 + 13n.
      const query = (pages: number[]) =>
        `{ ${pages.map((n, i) => `t${i}: trades(first: ${n}) { nodes { ${TRADE_FIELDS} } }`).join(' ')} }`;
      const cost = (pages: number[]) => pages.reduce((total, n) => total + 1 + 13 * n, 0);
      const under = [...Array(38).fill(1000), 458];
      expect(cost(under)).toBeLessThanOrEqual(defaults.producer.cost);
      await check(query(under), null, producer);
      const over = [...Array(38).fill(1000), 459];
      expect(cost(over)).toBeGreaterThan(defaults.producer.cost);
      await check(query(over), { limit: 'cost', actual: cost(over) }, producer);
    });

    it(`aliases ${defaults.producer.aliases} and breadth ${defaults.producer.breadth}`, async () => {
      const aliases = (count: number) =>
        `{ ${Array.from({ length: count }, (_, i) => `a${i}: latestTrades(limit: 1) { id }`).join(' ')} }`;
      await check(aliases(defaults.producer.aliases), null, producer);
      await check(
        aliases(defaults.producer.aliases + 1),
        { limit: 'aliases', actual: defaults.producer.aliases + 1 },
        producer,
      );
      await check(broad(defaults.producer.breadth), null, producer);
      await check(
        broad(defaults.producer.breadth + 1),
        { limit: 'breadth', actual: defaults.producer.breadth + 1 },
        producer,
      );
    });

    it('count the size of a write: 10,000 trades fit, with or without the rows back', async () => {
      const trades = tradeBatch(10_000, 'limit');
      const result = await graphql(
        app,
        `mutation($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount updatedCount unchangedCount trades { ${TRADE_FIELDS} } } }`,
        { trades },
        producer,
      );
      expect(result.errors).toBeUndefined();
      expect(result.data.upsertTrades.trades).toHaveLength(10_000);
    });
  });

  describe('measured from the variables', () => {
    it('price page sizes and batch lengths given as variables, as in the document', async () => {
      const limits = loadConfig({ LIMIT_COST: '100', PRODUCER_LIMIT_COST: '50' }).limits;
      const strict = createTestApp(database(), { limits });
      const page = await graphql(strict, 'query($n: Int) { latestTrades(limit: $n) { id } }', { n: 101 });
      expect(limitOf(page)).toMatchObject({ limit: 'cost', max: 100 });
      expect(
        (await graphql(strict, 'query($n: Int) { latestTrades(limit: $n) { id } }', { n: 50 })).errors,
      ).toBe(undefined);
      const batch = tradeBatch(30, 'cost');
      database().statements.length = 0;
      const write = await graphql(
        strict,
        'mutation($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }',
        { trades: batch },
        producer,
      );
      expect(limitOf(write)).toMatchObject({ limit: 'cost', max: 50 });
      expect(database().statements).toEqual([]);
    });

    it('leave a bad variable to execution, which names it', async () => {
      const result = await graphql(
        app,
        'mutation($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }',
        { trades: [{ id: 'x', timestamp: 1, market: 'KRAKEN', symbol: 'BTC/USD', amount: 'lots' }] },
        producer,
      );
      expect(result.errors?.[0]?.message).toMatch(/^Variable "\$trades" got invalid value/);
    });
  });

  describe('configured', () => {
    it('come from the environment, with the setting named in the message', async () => {
      const limits = loadConfig({ LIMIT_DEPTH: '3', PRODUCER_LIMIT_COST: '10' }).limits;
      const strict = createTestApp(database(), { limits });
      const deep = await graphql(strict, nested(4));
      expect(limitOf(deep)).toMatchObject({ limit: 'depth', max: 3, actual: 4 });
      const pricey = await graphql(
        strict,
        '{ latestTrades(limit: 1) { id timestamp symbol amount price usdValue isBuy side market baseAsset } }',
        {},
        producer,
      );
      expect(pricey.errors?.[0]?.message).toBe(
        'Operation cost 11 is over the limit of 10 for the api_data_producer role (PRODUCER_LIMIT_COST): ask for smaller pages or fewer fields',
      );
    });
  });
});
