/**
 * DataLoaders for the relations between trades and history points: every
 * point (or trade) of a page asks for its related rows, and one SQL statement
 * answers all of them (a LATERAL join over the windows asked for), so a page
 * of 160 weeks with their trades costs the same few statements as a page of
 * one week.
 *
 * Made for each operation's transaction, never shared between requests (or
 * between retries of one operation): what they cache was read under one
 * caller's role, in one transaction.
 */
import DataLoader from 'dataloader';
import { and, asc, desc, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { pageConditions, type CursorValue, type Ordering } from './keyset.ts';
import {
  intervalMillis,
  portfolioHistory,
  trades,
  type IntervalValue,
  type PortfolioHistoryPoint,
  type Trade,
} from './schema.ts';

/** The trades of a history point: one market (or all, for a point without one) over [start, end). */
export interface TradeWindow {
  market: string | null;
  start: string;
  end: string;
}

export interface TradeWindowPage extends TradeWindow {
  ordering: Ordering<Trade>;
  after?: CursorValue[];
  limit: number;
}

export interface TradeInstant {
  market: string;
  interval: IntervalValue;
  timestamp: string;
}

/** `unnest(…) with ordinality as w(…)`: one row per key, numbered from 1 in key order. */
function windowsOf(keys: readonly TradeWindow[]) {
  return sql`unnest(
    ${sql.param(keys.map((key) => key.start))}::bigint[],
    ${sql.param(keys.map((key) => key.end))}::bigint[],
    ${sql.param(keys.map((key) => key.market))}::text[]::market_enum[]
  ) with ordinality as w(start, finish, market, n)`;
}

const inWindow = and(
  sql`${trades.timestamp} >= w.start`,
  sql`${trades.timestamp} < w.finish`,
  sql`(w.market is null or ${trades.market} = w.market)`,
);

/** Groups keys by what a single statement can serve, and answers each key in order. */
function batched<Key, Value>(
  groupOf: (key: Key) => string,
  load: (keys: Key[]) => Promise<Value[]>,
): (keys: readonly Key[]) => Promise<Value[]> {
  return async (keys) => {
    const groups = new Map<string, number[]>();
    keys.forEach((key, index) => {
      const group = groupOf(key);
      const indexes = groups.get(group);
      if (indexes) indexes.push(index);
      else groups.set(group, [index]);
    });
    const values = new Array<Value>(keys.length);
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const loaded = await load(indexes.map((index) => keys[index]!));
        indexes.forEach((index, i) => (values[index] = loaded[i]!));
      }),
    );
    return values;
  };
}

export interface LoaderOptions {
  /** Keep what was loaded for the rest of the operation (off where the operation writes). */
  cache?: boolean;
}

export function createLoaders(db: Database, { cache = true }: LoaderOptions = {}) {
  const tradesInWindow = new DataLoader<TradeWindowPage, Trade[], string>(
    batched(
      // Windows paged alike (same ordering, cursor and size) share a statement.
      (key) => JSON.stringify([key.ordering.name, key.after ?? null, key.limit]),
      async (keys) => {
        const { ordering, after, limit } = keys[0]!;
        const { position, orderBy } = pageConditions(ordering, { after, limit, inverted: false });
        const page = db
          .select()
          .from(trades)
          .where(and(inWindow, position))
          .orderBy(...orderBy)
          .limit(limit)
          .as('t');
        const rows = await db
          .select({ n: sql<number>`w.n`.mapWith(Number), ...page._.selectedFields })
          .from(windowsOf(keys))
          .crossJoinLateral(page)
          // Each window's rows in the page's own order, as the lateral read them.
          .orderBy(
            sql`w.n`,
            ...ordering.keys.map(({ property, direction }) => {
              const pageColumn = page._.selectedFields[property as keyof Trade]!;
              return direction === 'asc' ? asc(pageColumn) : desc(pageColumn);
            }),
          );
        const byWindow = keys.map((): Trade[] => []);
        for (const { n, ...trade } of rows) byWindow[n - 1]!.push(trade as Trade);
        return byWindow;
      },
    ),
    {
      cache,
      cacheKeyFn: (key) =>
        JSON.stringify([key.market, key.start, key.end, key.ordering.name, key.after ?? null, key.limit]),
    },
  );

  const tradeCountInWindow = new DataLoader<TradeWindow, number, string>(
    async (keys) => {
      const rows = await db
        .select({
          n: sql<number>`w.n`.mapWith(Number),
          count: sql<number>`(select count(*) from ${trades} where ${inWindow})`.mapWith(Number),
        })
        .from(windowsOf(keys));
      const counts = new Array<number>(keys.length).fill(0);
      for (const { n, count } of rows) counts[n - 1] = count;
      return counts;
    },
    { cache, cacheKeyFn: (key) => JSON.stringify([key.market, key.start, key.end]) },
  );

  const historyPointOfTrade = new DataLoader<TradeInstant, PortfolioHistoryPoint | null, string>(
    batched(
      (key) => key.interval,
      async (keys) => {
        const { interval } = keys[0]!;
        // The point whose window holds the instant: the latest that starts at
        // or before it, if it has not ended by then.
        const point = db
          .select()
          .from(portfolioHistory)
          .where(
            and(
              sql`${portfolioHistory.market} = w.market`,
              sql`${portfolioHistory.interval} = ${interval}`,
              sql`${portfolioHistory.timestamp} <= w.at`,
              sql`${portfolioHistory.timestamp} > w.at - ${intervalMillis[interval]}`,
            ),
          )
          .orderBy(desc(portfolioHistory.timestamp), desc(portfolioHistory.id))
          .limit(1)
          .as('p');
        const rows = await db
          .select({ n: sql<number>`w.n`.mapWith(Number), ...point._.selectedFields })
          .from(
            sql`unnest(
              ${sql.param(keys.map((key) => key.market))}::text[]::market_enum[],
              ${sql.param(keys.map((key) => key.timestamp))}::bigint[]
            ) with ordinality as w(market, at, n)`,
          )
          .crossJoinLateral(point);
        const points = keys.map((): PortfolioHistoryPoint | null => null);
        for (const { n, ...found } of rows) points[n - 1] = found as PortfolioHistoryPoint;
        return points;
      },
    ),
    { cache, cacheKeyFn: (key) => JSON.stringify([key.market, key.interval, key.timestamp]) },
  );

  return { tradesInWindow, tradeCountInWindow, historyPointOfTrade };
}

export type Loaders = ReturnType<typeof createLoaders>;
