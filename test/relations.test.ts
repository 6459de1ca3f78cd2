/**
 * History points with their trades, and trades with their history point:
 * right answers, a fixed number of statements however many points, and
 * every statement served by an index.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { historyPoint, resetTables, trade, tradeInput, type TradeInsert } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { dataStatements, explainOnPostgres, forEachDriver } from './support/test-database.ts';

const WEEK = 7 * 86_400_000;
/** Monday 2023-01-02 00:00 UTC. */
const START = Date.UTC(2023, 0, 2);
const WEEKS = 160;

/** 25 trades a week, two of them on the week's edges: its first millisecond, and its last. */
function tradesOfWeek(week: number): TradeInsert[] {
  const start = START + week * WEEK;
  const instants = [
    start,
    start + WEEK - 1,
    ...Array.from({ length: 23 }, (_, i) => start + 1 + ((i * 7_919_113) % (WEEK - 2))),
  ];
  return instants.map((timestamp, i) =>
    trade({
      id: `w${String(week).padStart(3, '0')}-${String(i).padStart(2, '0')}`,
      timestamp: String(timestamp),
      // Two trades of each week share a millisecond: the id orders them.
      ...(i === 3 ? { timestamp: String(instants[2]) } : {}),
      usdValue: `${week}.${String(i).padStart(18, '0')}`,
    }),
  );
}

const allTrades = Array.from({ length: WEEKS }, (_, week) => tradesOfWeek(week)).flat();

/** The reference: a week's trades, newest first, ties by id. */
function expectedTradesOf(week: number): TradeInsert[] {
  const [start, end] = [START + week * WEEK, START + (week + 1) * WEEK];
  return allTrades
    .filter((row) => Number(row.timestamp) >= start && Number(row.timestamp) < end)
    .sort((a, b) => Number(b.timestamp) - Number(a.timestamp) || (a.id < b.id ? -1 : 1));
}

const WEEKS_WITH_TRADES = /* GraphQL */ `
  query Weeks($first: Int, $trades: Int, $after: String) {
    portfolioHistory(interval: WEEK, first: $first) {
      nodes {
        timestamp
        usdTotalValue
        benchmarkBtcIntervalPctReturn
        benchmarkEthIntervalPctReturn
        trades(first: $trades, after: $after) {
          totalCount
          nodes {
            id
            timestamp
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
`;

type WeekNode = {
  timestamp: number;
  trades: {
    totalCount: number;
    nodes: { id: string; timestamp: number }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

forEachDriver((database, driver) => {
  let app: App;
  let producer: Record<string, string>;
  beforeAll(async () => {
    app = createTestApp(database());
    producer = await producerHeaders();
    await resetTables(database().db);
    await database()
      .db.insert(portfolioHistory)
      .values(
        Array.from({ length: WEEKS }, (_, week) =>
          historyPoint({
            timestamp: String(START + week * WEEK),
            // Returns a portfolio could have: 160 weeks of +100 % and more would compound
            // past what a Decimal holds, and portfolioPerformance would refuse them.
            benchmarkBtcIntervalPctReturn: `${week % 10}.5`,
          }),
        ),
      );
    for (let i = 0; i < allTrades.length; i += 1000) {
      await database()
        .db.insert(trades)
        .values(allTrades.slice(i, i + 1000));
    }
  });

  it('returns each week with the first 20 of its own trades, newest first, and their count', async () => {
    const result = await graphql(app, WEEKS_WITH_TRADES, { first: WEEKS, trades: 20 }, producer);
    expect(result.errors).toBeUndefined();
    const weeks: WeekNode[] = result.data.portfolioHistory.nodes;
    expect(weeks).toHaveLength(WEEKS);
    weeks.forEach((week, index) => {
      const expected = expectedTradesOf(index);
      expect(week.timestamp).toBe(START + index * WEEK);
      expect(week.trades.totalCount).toBe(expected.length);
      expect(week.trades.nodes.map((node) => node.id)).toEqual(expected.slice(0, 20).map((row) => row.id));
      expect(week.trades.pageInfo.hasNextPage).toBe(true);
    });
  });

  it('takes the same few statements for 160 weeks as for 1', async () => {
    const statementsFor = async (first: number) => {
      database().statements.length = 0;
      await graphql(app, WEEKS_WITH_TRADES, { first, trades: 20 }, producer);
      return dataStatements(database()).length;
    };
    const one = await statementsFor(1);
    expect(await statementsFor(WEEKS)).toBe(one);
    // The page of weeks, their trades, their trade counts.
    expect(one).toBe(3);
  });

  it('answers the README portfolio page in four statements, for 1 week as for 160', async () => {
    const page = (weeks: number) => `{
      portfolioHistory(interval: WEEK, first: ${weeks}) {
        nodes {
          time usdTotalValue intervalPctReturn benchmarkBtcIntervalPctReturn benchmarkEthIntervalPctReturn
          trades(first: 20) { totalCount nodes { time symbol side amount price usdValue } pageInfo { hasNextPage endCursor } }
        }
        pageInfo { hasNextPage endCursor }
      }
      portfolioPerformance(interval: WEEK) { portfolioReturnPct benchmarkBtcReturnPct benchmarkEthReturnPct maxDrawdownPct }
    }`;
    for (const weeks of [1, WEEKS]) {
      database().statements.length = 0;
      const result = await graphql(app, page(weeks), {}, producer);
      expect(result.errors).toBeUndefined();
      expect(result.data.portfolioHistory.nodes).toHaveLength(weeks);
      expect(dataStatements(database())).toHaveLength(4);
    }
  });

  it("pages through one week's trades with no gap and no repeat", async () => {
    const week = 37;
    const query = `query($after: String) {
      portfolioHistory(interval: WEEK, from: ${START + week * WEEK}, first: 1) {
        nodes { trades(first: 7, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }
      }
    }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await graphql(app, query, { after }, producer);
      const connection: WeekNode['trades'] = result.data.portfolioHistory.nodes[0].trades;
      seen.push(...connection.nodes.map((node) => node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expectedTradesOf(week).map((row) => row.id));
  });

  it('finds the history point whose interval holds each trade, edges included', async () => {
    const result = await graphql(
      app,
      `
        {
          trades(first: 60, orderBy: [TIMESTAMP_ASC]) {
            nodes {
              id
              timestamp
              week: historyPoint(interval: WEEK) {
                timestamp
              }
              day: historyPoint(interval: DAY) {
                timestamp
              }
            }
          }
        }
      `,
      {},
      producer,
    );
    expect(result.errors).toBeUndefined();
    for (const node of result.data.trades.nodes) {
      const week = Math.floor((node.timestamp - START) / WEEK);
      expect(node.week).toEqual({ timestamp: START + week * WEEK });
      // No daily points exist here.
      expect(node.day).toBeNull();
    }
  });

  it('reads, in a later field of the same mutation, what an earlier field wrote', async () => {
    const week = START + 200 * WEEK;
    const result = await graphql(
      app,
      `
        mutation ($points: [PortfolioHistoryInput!]!, $trades: [TradeInput!]!) {
          before: upsertPortfolioHistory(points: $points) {
            points {
              trades {
                totalCount
              }
            }
          }
          write: upsertTrades(trades: $trades) {
            insertedCount
          }
          after: upsertPortfolioHistory(points: $points) {
            points {
              trades {
                totalCount
                nodes {
                  id
                }
              }
            }
          }
        }
      `,
      {
        points: [{ timestamp: week, market: 'KRAKEN', interval: 'WEEK', updatedAt: week }],
        trades: [tradeInput('in-week-200', { timestamp: week + 1000 })],
      },
      producer,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.before.points[0].trades.totalCount).toBe(0);
    expect(result.data.after.points[0].trades).toEqual({ totalCount: 1, nodes: [{ id: 'in-week-200' }] });
  });

  it('keeps the trades of a point from anonymous callers', async () => {
    const result = await graphql(
      app,
      '{ portfolioHistory(interval: WEEK, first: 1) { nodes { trades { totalCount } } } }',
    );
    expect(errorsOf(result)[0]?.code).toBe('FORBIDDEN');
    expect(errorsOf(result)[0]?.message).toContain(
      'PortfolioHistoryPoint.trades needs the api_data_producer role',
    );
  });

  it.runIf(driver === 'postgres')('reads through an index in every statement', async () => {
    database().statements.length = 0;
    await graphql(
      app,
      `
        {
          portfolioHistory(interval: WEEK, first: 160) {
            nodes {
              trades(first: 20) {
                totalCount
                nodes {
                  id
                  historyPoint(interval: WEEK) {
                    id
                  }
                }
              }
            }
          }
          latestTrades(limit: 50) {
            id
          }
          bySymbol: latestTrades(limit: 5, symbol: "BTC/USD") {
            id
          }
          trades(first: 5) {
            nodes {
              id
            }
          }
        }
      `,
      {},
      producer,
    );
    const data = dataStatements(database());
    const indexes = database().statements.flatMap((statement, index) =>
      data.includes(statement) ? [index] : [],
    );
    expect(indexes.length).toBeGreaterThanOrEqual(6);
    for (const index of indexes) {
      const plan = await explainOnPostgres(database(), index);
      const context = `${database().statements[index]}\n${plan}`;
      expect(plan, context).not.toMatch(/Seq Scan on (trades|portfolio_history)/);
      // With sorting priced out too, a plain Sort means no index gives the order asked for.
      expect(plan, context).not.toMatch(/^\s*(->\s+)?Sort  \(cost/m);
      expect(plan, context).toMatch(/Index (Only )?Scan/);
    }
  });
});
