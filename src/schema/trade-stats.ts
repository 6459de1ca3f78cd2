/**
 * Trade analytics, computed in SQL with exact NUMERIC: counts, volumes, net
 * position and volume-weighted average price, grouped as the client asks.
 */
import { sql, type SQL } from 'drizzle-orm';
import { trades, type Trade } from '../db/schema.ts';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';
import { Market, Side, sideOf } from './enums.ts';
import { argumentName } from './field-names.ts';
import { Decimal, EpochMillis } from './scalars.ts';
import { compileTradeWhere, TradeWhere } from './trade.ts';

/** Most groups one call may return. */
export const TRADE_STATS_MAX_GROUPS = 10_000;

const TIME_BUCKETS = ['day', 'week', 'month'] as const;
type TimeBucket = (typeof TIME_BUCKETS)[number];

export const TradeGroupBy = builder.enumType('TradeGroupBy', {
  description: 'What to group trade statistics by. Time buckets are UTC; weeks start on Monday.',
  values: {
    SYMBOL: { value: 'symbol', description: 'The pair.' },
    MARKET: { value: 'market', description: 'The exchange.' },
    SIDE: { value: 'side', description: 'Buys and sells apart.' },
    DAY: { value: 'day', description: 'The UTC day of the trade.' },
    WEEK: { value: 'week', description: 'The week (Monday to Sunday, UTC) of the trade.' },
    MONTH: { value: 'month', description: 'The UTC calendar month of the trade.' },
  } as const,
});

interface TradeStatsRow {
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

const TradeStats = builder.objectRef<TradeStatsRow>('TradeStats').implement({
  description:
    'Statistics of one group of trades. The grouping fields not asked for in groupBy are null; all sums are exact.',
  fields: (t) => ({
    symbol: t.exposeString('symbol', { nullable: true, description: 'The pair, when grouped by SYMBOL.' }),
    market: t.expose('market', {
      type: Market,
      nullable: true,
      description: 'The exchange, when grouped by MARKET.',
    }),
    side: t.field({
      type: Side,
      nullable: true,
      description: 'Buys or sells, when grouped by SIDE.',
      resolve: (row) => (row.isBuy === null ? null : sideOf(row.isBuy)),
    }),
    bucketStart: t.expose('bucketStart', {
      type: EpochMillis,
      nullable: true,
      description: 'Start of the day, week or month, when grouped by one.',
    }),
    count: t.exposeInt('count', { description: 'How many trades.' }),
    buyVolumeUsd: t.expose('buyVolumeUsd', { type: Decimal, description: 'Sum of usdValue over the buys.' }),
    sellVolumeUsd: t.expose('sellVolumeUsd', {
      type: Decimal,
      description: 'Sum of usdValue over the sells.',
    }),
    netBaseAmount: t.expose('netBaseAmount', {
      type: Decimal,
      description: 'Base asset bought minus sold. Meaningful within one symbol (group by SYMBOL).',
    }),
    volumeWeightedAveragePrice: t.expose('volumeWeightedAveragePrice', {
      type: Decimal,
      nullable: true,
      description:
        'Sum of price × amount over the sum of amount, rounded to 18 decimals. Meaningful within one symbol.',
    }),
  }),
});

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

builder.queryField('tradeStats', (t) =>
  t.field({
    type: [TradeStats],
    authScopes: { producer: true },
    description: `Statistics of the trades meeting \`where\`, one row per group, in group order; at most ${TRADE_STATS_MAX_GROUPS} groups. Producer only, like Query.trades.`,
    // Priced at the most groups it may return: their number is unknown before it runs.
    complexity: { field: 10, multiplier: TRADE_STATS_MAX_GROUPS },
    args: {
      where: t.arg({ type: TradeWhere, description: 'Only trades meeting these conditions.' }),
      groupBy: t.arg({
        type: [TradeGroupBy],
        description:
          'Group by these, at most one of DAY, WEEK and MONTH; one row over all trades when empty.',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const groupBy = [...new Set(args.groupBy ?? [])];
      const buckets = groupBy.filter((group): group is TimeBucket =>
        (TIME_BUCKETS as readonly string[]).includes(group),
      );
      if (buckets.length > 1) {
        throw badUserInput(
          `${argumentName(info, 'groupBy')} may hold one of DAY, WEEK and MONTH, not ${buckets.length}`,
        );
      }
      const bucket = buckets[0];
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

      const rows = await ctx.db
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
        .where(args.where ? compileTradeWhere(args.where, argumentName(info, 'where')) : undefined)
        .groupBy(...groupExpressions)
        .orderBy(...groupExpressions)
        .limit(TRADE_STATS_MAX_GROUPS + 1);
      if (rows.length > TRADE_STATS_MAX_GROUPS) {
        throw badUserInput(
          `tradeStats would return more than ${TRADE_STATS_MAX_GROUPS} groups; narrow where, or group by less`,
        );
      }
      // With no groupBy and no matching trade, SQL still returns the one all-trades row, with zero counts.
      return rows as TradeStatsRow[];
    },
  }),
);
