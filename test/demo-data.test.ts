import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_START_MS, DEMO_WEEKS, generateDemoPortfolio, seedDemoData } from '../src/db/demo-data.ts';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import { producerHeaders } from './support/auth.ts';
import { createTestApp, graphql } from './support/graphql.ts';
import { forEachDriver } from './support/test-database.ts';

const demo = generateDemoPortfolio();
const DAY = 86_400_000;

describe('the demo portfolio', () => {
  it('is the same on every run', () => {
    expect(generateDemoPortfolio()).toEqual(demo);
  });

  it('has two years of daily and weekly history', () => {
    const daily = demo.history.filter((point) => point.interval === 'day');
    const weekly = demo.history.filter((point) => point.interval === 'week');
    expect(daily).toHaveLength(DEMO_WEEKS * 7);
    expect(weekly).toHaveLength(DEMO_WEEKS);
    expect(weekly.map((point) => Number(point.timestamp))).toEqual(
      Array.from({ length: DEMO_WEEKS }, (_, week) => DEMO_START_MS + week * 7 * DAY),
    );
  });

  it('has a few thousand trades over five pairs, some sharing a millisecond', () => {
    expect(demo.trades.length).toBeGreaterThan(2000);
    expect(demo.trades.length).toBeLessThan(5000);
    expect(new Set(demo.trades.map((trade) => trade.symbol)).size).toBe(5);
    expect(new Set(demo.trades.map((trade) => trade.id)).size).toBe(demo.trades.length);
    expect(new Set(demo.trades.map((trade) => trade.timestamp)).size).toBeLessThan(demo.trades.length);
  });

  it('writes decimals with all 18 fractional digits', () => {
    for (const value of demo.trades.flatMap((trade) => [trade.amount, trade.price, trade.usdValue])) {
      expect(value).toMatch(/^-?\d{1,30}\.\d{18}$/);
    }
    const used = demo.trades.filter((trade) => !trade.amount.endsWith('0'));
    expect(used.length).toBeGreaterThan(demo.trades.length / 2);
  });
});

forEachDriver((database) => {
  it('fills an empty database once, and never a database with rows', async () => {
    const { db } = database();
    expect(await seedDemoData(db)).toBe(true);
    expect(await db.$count(trades)).toBe(demo.trades.length);
    expect(await db.$count(portfolioHistory)).toBe(demo.history.length);
    expect(await seedDemoData(db)).toBe(false);
    expect(await db.$count(trades)).toBe(demo.trades.length);
  });

  it('reads back through the API exactly as generated', async () => {
    const app = createTestApp(database());
    const newest = [...demo.trades].sort(
      (a, b) => Number(b.timestamp) - Number(a.timestamp) || (a.id < b.id ? -1 : 1),
    )[0]!;
    const result = await graphql(app, '{ latestTrades(limit: 1) { id timestamp amount price usdValue } }');
    expect(result.data.latestTrades).toEqual([
      {
        id: newest.id,
        timestamp: Number(newest.timestamp),
        amount: newest.amount,
        price: newest.price,
        usdValue: newest.usdValue,
      },
    ]);

    const lastWeek = demo.history.filter((point) => point.interval === 'week').at(-1)!;
    const history = await graphql(
      app,
      '{ portfolioHistory(interval: WEEK, last: 1) { nodes { timestamp usdTotalValue intervalPctReturn benchmarkEthValue } } }',
    );
    expect(history.data.portfolioHistory.nodes).toEqual([
      {
        timestamp: Number(lastWeek.timestamp),
        usdTotalValue: lastWeek.usdTotalValue,
        intervalPctReturn: lastWeek.intervalPctReturn,
        benchmarkEthValue: lastWeek.benchmarkEthValue,
      },
    ]);
  });

  it("runs the README's write examples against the demo data, adding to it without blanking anything", async () => {
    // Needs the demo data the test above seeded.
    const app = createTestApp(database());
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const bodies = [...readme.matchAll(/-d '(\{[^']*\})'/g)]
      .map((match) => JSON.parse(match[1]!) as { query: string; variables: Record<string, unknown> })
      // The subscription example streams (test/subscriptions.test.ts covers it); these answer once.
      .filter((body) => !body.query.trimStart().startsWith('subscription'));
    const example = bodies.find((body) => body.query.includes('upsertPortfolioHistory'));
    expect(example).toBeDefined();
    const headers = await producerHeaders();
    for (const body of bodies) {
      const result = await graphql(app, body.query, body.variables, headers);
      expect(result.errors).toBeUndefined();
    }

    // The point is a new week after the demo's last, not a rewrite of it.
    const [sent] = (example!.variables as { points: Record<string, unknown>[] }).points;
    const weekly = demo.history.filter((point) => point.interval === 'week');
    expect(Number(sent!.timestamp)).toBeGreaterThan(Number(weekly.at(-1)!.timestamp));
    const history = await graphql(
      app,
      `
        {
          portfolioHistory(interval: WEEK, last: 2) {
            nodes {
              timestamp
              usdTotalValue
              usdHeld
              intervalPctReturn
              benchmarkBtcValue
              benchmarkBtcIntervalPctReturn
              benchmarkEthValue
              benchmarkEthIntervalPctReturn
            }
          }
        }
      `,
    );
    const [demoLast, added] = history.data.portfolioHistory.nodes;
    expect(demoLast).toEqual({
      timestamp: Number(weekly.at(-1)!.timestamp),
      usdTotalValue: weekly.at(-1)!.usdTotalValue,
      usdHeld: weekly.at(-1)!.usdHeld,
      intervalPctReturn: weekly.at(-1)!.intervalPctReturn,
      benchmarkBtcValue: weekly.at(-1)!.benchmarkBtcValue,
      benchmarkBtcIntervalPctReturn: weekly.at(-1)!.benchmarkBtcIntervalPctReturn,
      benchmarkEthValue: weekly.at(-1)!.benchmarkEthValue,
      benchmarkEthIntervalPctReturn: weekly.at(-1)!.benchmarkEthIntervalPctReturn,
    });
    // Every value given: an upsert stores a value left out as null.
    expect(added.timestamp).toBe(sent!.timestamp);
    for (const [field, value] of Object.entries(added)) expect(value, field).not.toBeNull();
  });
});
