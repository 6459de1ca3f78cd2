/**
 * Portfolio history: one point per market, interval and interval start,
 * with the portfolio's value and its return against BTC and ETH benchmarks.
 */
import { and, eq, gte, lt } from 'drizzle-orm';
import { portfolioHistory, type PortfolioHistoryPoint as PortfolioHistoryRow } from '../db/schema.ts';
import { builder } from './builder.ts';
import { Interval, Market } from './enums.ts';
import { resolveKeysetConnection, type Ordering } from './pagination.ts';
import { instantFields } from './instant-fields.ts';
import { Decimal, EpochMillis } from './scalars.ts';

type HistoryColumns = typeof portfolioHistory._.columns;
/** The NUMERIC(48,18) columns of a history point, read off the table definition. */
type DecimalColumn = {
  [Column in keyof HistoryColumns]: HistoryColumns[Column]['_']['dataType'] extends 'string numeric'
    ? Column
    : never;
}[keyof HistoryColumns];

export const PORTFOLIO_HISTORY_PAGE = { defaultSize: 100, maxSize: 1000 };

export const PortfolioHistoryPoint = builder
  .objectRef<PortfolioHistoryRow>('PortfolioHistoryPoint')
  .implement({
    description:
      'The portfolio over one interval (a day or a week) on one market. The ongoing interval is rewritten by the producer until it ends.',
    fields: (t) => {
      const decimal = (column: DecimalColumn, description: string) =>
        t.expose(column, { type: Decimal, nullable: true, description });
      return {
        id: t.exposeID('id', { description: 'Database id of the point; stable while the point exists.' }),
        ...instantFields(t, 'Start of the interval'),
        updatedAt: t.expose('updatedAt', {
          type: EpochMillis,
          nullable: true,
          description: 'When the producer last wrote the point, in epoch milliseconds.',
        }),
        market: t.expose('market', {
          type: Market,
          nullable: true,
          description: 'The market the point describes.',
        }),
        interval: t.expose('interval', {
          type: Interval,
          nullable: true,
          description: 'The length of the interval.',
        }),
        usdTotalValue: decimal(
          'usdTotalValue',
          'Value of the whole portfolio in US dollars at the end of the interval (or now, while it lasts).',
        ),
        usdHeld: decimal('usdHeld', 'The part of the value held in US dollars rather than in other assets.'),
        intervalPctReturn: decimal(
          'intervalPctReturn',
          "The portfolio's return over the interval, in percent (2.5 means +2.5 %).",
        ),
        benchmarkBtcValue: decimal(
          'benchmarkBtcValue',
          'What the portfolio would be worth in US dollars had it been held in BTC instead.',
        ),
        benchmarkBtcIntervalPctReturn: decimal(
          'benchmarkBtcIntervalPctReturn',
          "BTC's return over the interval, in percent.",
        ),
        benchmarkEthValue: decimal(
          'benchmarkEthValue',
          'What the portfolio would be worth in US dollars had it been held in ETH instead.',
        ),
        benchmarkEthIntervalPctReturn: decimal(
          'benchmarkEthIntervalPctReturn',
          "ETH's return over the interval, in percent.",
        ),
      };
    },
  });

/** Oldest first; points of one instant (several markets) in id order. */
const byTimestamp: Ordering<PortfolioHistoryRow> = {
  name: 'timestamp_asc',
  keys: [
    {
      column: portfolioHistory.timestamp,
      direction: 'asc',
      kind: 'bigint',
      value: (point) => point.timestamp,
    },
    { column: portfolioHistory.id, direction: 'asc', kind: 'integer', value: (point) => point.id },
  ],
};

builder.queryField('portfolioHistory', (t) =>
  t.connection(
    {
      type: PortfolioHistoryPoint,
      description: `The portfolio's history for one interval length, oldest first, ${PORTFOLIO_HISTORY_PAGE.defaultSize} points a page by default and at most ${PORTFOLIO_HISTORY_PAGE.maxSize}.`,
      args: {
        interval: t.arg({ type: Interval, required: true, description: 'Daily or weekly points.' }),
        market: t.arg({ type: Market, description: 'Only points of this market; all markets when omitted.' }),
        from: t.arg({
          type: EpochMillis,
          description: 'Only points whose interval starts at or after this instant.',
        }),
        to: t.arg({
          type: EpochMillis,
          description: 'Only points whose interval starts before this instant (exclusive).',
        }),
      },
      resolve: (_root, args, ctx) =>
        resolveKeysetConnection({
          args,
          fieldName: 'Query.portfolioHistory',
          ordering: byTimestamp,
          limits: PORTFOLIO_HISTORY_PAGE,
          filter: and(
            eq(portfolioHistory.interval, args.interval),
            args.market ? eq(portfolioHistory.market, args.market) : undefined,
            args.from != null ? gte(portfolioHistory.timestamp, String(args.from)) : undefined,
            args.to != null ? lt(portfolioHistory.timestamp, String(args.to)) : undefined,
          ),
          fetchPage: ({ where, orderBy, limit }) =>
            ctx.db
              .select()
              .from(portfolioHistory)
              .where(where)
              .orderBy(...orderBy)
              .limit(limit),
          count: (filter) => ctx.db.$count(portfolioHistory, filter),
        }),
    },
    { name: 'PortfolioHistoryConnection', description: 'A page of portfolio history points.' },
    { name: 'PortfolioHistoryEdge', description: 'A portfolio history point and its cursor.' },
  ),
);
