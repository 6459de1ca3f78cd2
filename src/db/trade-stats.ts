/**
 * Trade analytics in SQL with exact NUMERIC: counts, volumes, net position
 * and volume-weighted average price, grouped as asked. The GraphQL of it is
 * src/schema/trade-stats.ts.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './database.ts';
import { trades, type Trade } from './schema.ts';

/** Most groups one call may return. */
export const TRADE_STATS_MAX_GROUPS = 10_000;

export const TIME_BUCKETS = ['day', 'week', 'month'] as const;
export type TimeBucket = (typeof TIME_BUCKETS)[number];

/** What trade statistics may be grouped by. */
export type TradeGroup = 'symbol' | 'market' | 'side' | TimeBucket;

export interface TradeStatsRow {
  symbol: string | null;
  market: Trade['market'] | null;
  isBuy: boolean | null;
  bucketStart: string | null;
  count: number;
  buyVolumeUsd: string;
  sellVolumeUsd: string;
  netBaseAmount: string;
  volumeWeightedAveragePrice: string | null;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Monday 1969-12-29 00:00 UTC: weeks are counted from a Monday. */
const A_MONDAY_MS = -3 * DAY_MS;

/**
 * The start of the trade's UTC day, week or month, in epoch milliseconds
 * (bigint). Days and weeks are plain integer arithmetic (a modulo that also
 * holds for instants before 1970); months need the calendar. The month unit
 * is a literal, not a parameter: PostgreSQL must see the grouped expression
 * and the selected one as the same.
 */
function bucketStart(bucket: TimeBucket): SQL<string> {
  const floorTo = (length: number, origin: number) =>
    sql<string>`(${trades.timestamp} - (((${trades.timestamp} - ${sql.raw(String(origin))}) % ${sql.raw(String(length))}) + ${sql.raw(String(length))}) % ${sql.raw(String(length))})`;
  if (bucket === 'day') return floorTo(DAY_MS, 0);
  if (bucket === 'week') return floorTo(WEEK_MS, A_MONDAY_MS);
  return sql<string>`(extract(epoch from date_trunc('month', to_timestamp(${trades.timestamp} / 1000.0) at time zone 'UTC')) * 1000)::bigint`;
}

/**
 * The statistics of the trades meeting `where`, one row per group, in group
 * order: at most TRADE_STATS_MAX_GROUPS + 1 rows, so that the caller can
 * tell that there are too many. `groupBy` holds at most one time bucket.
 * With no groupBy and no matching trade, SQL still returns the one
 * all-trades row, with zero counts.
 */
export async function selectTradeStats(
  db: Database,
  where: SQL | undefined,
  groupBy: readonly TradeGroup[],
): Promise<TradeStatsRow[]> {
  const bucket = groupBy.find((group): group is TimeBucket =>
    (TIME_BUCKETS as readonly string[]).includes(group),
  );
  // Each asked-for grouping is selected and grouped by; the others are null.
  const groupExpressions: SQL[] = [];
  const group = <Value>(
    asked: boolean,
    expression: () => SQL<Value>,
    selected: (grouped: SQL<Value>) => SQL<Value> = (grouped) => grouped,
  ): SQL<Value | null> => {
    if (!asked) return sql<null>`null`;
    const chosen = expression();
    groupExpressions.push(chosen);
    return selected(chosen);
  };
  const groups = {
    symbol: group(groupBy.includes('symbol'), () => sql<string>`${trades.symbol}`),
    market: group(groupBy.includes('market'), () => sql<Trade['market']>`${trades.market}`),
    isBuy: group(groupBy.includes('side'), () => sql<boolean>`${trades.isBuy}`),
    // Grouped and ordered as a number, read out as text (BIGINT, exact on both drivers).
    bucketStart: group(
      bucket !== undefined,
      () => bucketStart(bucket!),
      (grouped) => sql<string>`${grouped}::text`,
    ),
  };

  const rows = await db
    .select({
      ...groups,
      count: sql<number>`count(*)::int`,
      buyVolumeUsd: sql<string>`round(coalesce(sum(${trades.usdValue}) filter (where ${trades.isBuy}), 0), 18)`,
      sellVolumeUsd: sql<string>`round(coalesce(sum(${trades.usdValue}) filter (where not ${trades.isBuy}), 0), 18)`,
      netBaseAmount: sql<string>`round(coalesce(sum(case when ${trades.isBuy} then ${trades.amount} else -${trades.amount} end), 0), 18)`,
      volumeWeightedAveragePrice: sql<
        string | null
      >`round(sum(${trades.price} * ${trades.amount}) / nullif(sum(${trades.amount}), 0), 18)`,
    })
    .from(trades)
    .where(where)
    .groupBy(...groupExpressions)
    .orderBy(...groupExpressions)
    .limit(TRADE_STATS_MAX_GROUPS + 1);
  return rows as TradeStatsRow[];
}
