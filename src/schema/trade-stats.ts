/**
 * Trade analytics: counts, volumes, net position and volume-weighted average
 * price, grouped as the client asks. The SQL is db/trade-stats.ts.
 */
import {
  selectTradeStats,
  TIME_BUCKETS,
  TRADE_STATS_MAX_GROUPS,
  type TimeBucket,
  type TradeStatsRow,
} from '../db/trade-stats.ts';
import { compileTradeWhere, sideOf } from '../db/trades.ts';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';
import { Market, Side } from './enums.ts';
import { argumentName } from './resolver-info.ts';
import { Decimal, EpochMillis } from './scalars.ts';
import { TradeWhere } from './trade.ts';

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
      const rows = await selectTradeStats(
        ctx.db,
        args.where ? compileTradeWhere(args.where, argumentName(info, 'where')) : undefined,
        groupBy,
      );
      if (rows.length > TRADE_STATS_MAX_GROUPS) {
        throw badUserInput(
          `tradeStats would return more than ${TRADE_STATS_MAX_GROUPS} groups; narrow where, or group by less`,
        );
      }
      // With no groupBy and no matching trade, SQL still returns the one all-trades row, with zero counts.
      return rows;
    },
  }),
);
