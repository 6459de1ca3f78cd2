/**
 * Portfolio history: one point per market, interval and interval start,
 * with the portfolio's value and its return against BTC and ETH benchmarks.
 * Anyone may read it. Writes: portfolio-history-writes.ts.
 */
import type { ArgBuilder } from '@pothos/core';
import {
  compileHistoryWhere,
  decimalColumns,
  historyIdKey,
  historyListFilter,
  historySortFields,
  type DecimalColumn,
  type HistoryWhere,
} from '../db/portfolio-history.ts';
import { portfolioHistory, type PortfolioHistoryPoint as PortfolioHistoryRow } from '../db/schema.ts';
import { builder, type SchemaTypes } from './builder.ts';
import { Interval, Market } from './enums.ts';
import { DecimalFilter, EpochMillisFilter, IDFilter, IntervalFilter, MarketFilter } from './filters.ts';
import { argumentName, fieldPath } from './resolver-info.ts';
import { instantFields, storedEpochMillis } from './instant-fields.ts';
import { orderingOf, resolveKeysetConnection } from './pagination.ts';
import { Decimal, EpochMillis } from './scalars.ts';

export const PORTFOLIO_HISTORY_PAGE = { defaultSize: 100, maxSize: 1000 };

/** The NUMERIC(48,18) values of a point, with what each means. */
const HISTORY_DECIMALS: Record<DecimalColumn, string> = {
  usdTotalValue:
    'Value of the whole portfolio in US dollars at the end of the interval (or now, while it lasts).',
  usdHeld: 'The part of the value held in US dollars rather than in other assets.',
  intervalPctReturn: "The portfolio's return over the interval, in percent (2.5 means +2.5 %).",
  benchmarkBtcValue: 'What the portfolio would be worth in US dollars had it been held in BTC instead.',
  benchmarkBtcIntervalPctReturn: "BTC's return over the interval, in percent.",
  benchmarkEthValue: 'What the portfolio would be worth in US dollars had it been held in ETH instead.',
  benchmarkEthIntervalPctReturn: "ETH's return over the interval, in percent.",
};

/** A stored history point as errors about its values name it. */
export const historyRowName = (point: { id: number }) => `the portfolio_history row with id ${point.id}`;

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
        ...instantFields(t, 'Start of the interval', historyRowName),
        updatedAt: t.field({
          type: EpochMillis,
          nullable: true,
          description: 'When the producer last wrote the point, in epoch milliseconds.',
          resolve: (point) =>
            point.updatedAt === null
              ? null
              : storedEpochMillis(point.updatedAt, () => historyRowName(point), 'updated_at'),
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
        ...Object.fromEntries(
          Object.entries(HISTORY_DECIMALS).map(([name, description]) => [
            name,
            decimal(name as DecimalColumn, description),
          ]),
        ),
      };
    },
  });

export const PortfolioHistoryWhere = builder.inputRef<HistoryWhere>('PortfolioHistoryWhere').implement({
  description:
    'Conditions on history points: all given must hold; `and` and `or` combine further conditions. ' +
    'A decimal condition never matches a point whose value is null.',
  fields: (t) => ({
    id: t.field({ type: IDFilter, description: 'The database id.' }),
    timestamp: t.field({ type: EpochMillisFilter, description: 'The start of the interval.' }),
    market: t.field({ type: MarketFilter, description: 'The market.' }),
    interval: t.field({ type: IntervalFilter, description: 'The interval length.' }),
    ...Object.fromEntries(
      decimalColumns.map((name) => [
        name,
        t.field({ type: DecimalFilter, description: HISTORY_DECIMALS[name] }),
      ]),
    ),
    and: t.field({ type: [PortfolioHistoryWhere], description: 'Conditions that must all hold as well.' }),
    or: t.field({
      type: [PortfolioHistoryWhere],
      description: 'Conditions of which at least one must hold as well.',
    }),
  }),
});

/** Oldest first; points of one instant (several markets) in id order. */
export const oldestPointsFirst = orderingOf(['timestamp_asc'], historySortFields, historyIdKey, 'orderBy');

/** The arguments that pick the points of one interval length in a time range. */
export function historyRangeArgs(arg: ArgBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>>) {
  return {
    interval: arg({ type: Interval, required: true, description: 'Daily or weekly points.' }),
    market: arg({ type: Market, description: 'Only points of this market; all markets when omitted.' }),
    from: arg({ type: EpochMillis, description: 'Only intervals starting at or after this instant.' }),
    to: arg({ type: EpochMillis, description: 'Only intervals starting before this instant (exclusive).' }),
  };
}

export const PortfolioHistoryOrder = builder.enumType('PortfolioHistoryOrder', {
  description: 'A way to order history points. Points of one instant come in id order.',
  values: {
    TIMESTAMP_ASC: { value: 'timestamp_asc', description: 'Oldest first.' },
    TIMESTAMP_DESC: { value: 'timestamp_desc', description: 'Newest first.' },
  } as const,
});

builder.queryField('portfolioHistory', (t) =>
  t.connection(
    {
      type: PortfolioHistoryPoint,
      complexity: (args) => ({
        field: 1,
        multiplier: args.first ?? args.last ?? PORTFOLIO_HISTORY_PAGE.defaultSize,
      }),
      description: `The portfolio's history for one interval length, oldest first unless \`orderBy\` says otherwise, ${PORTFOLIO_HISTORY_PAGE.defaultSize} points a page by default and at most ${PORTFOLIO_HISTORY_PAGE.maxSize}.`,
      args: {
        ...historyRangeArgs(t.arg),
        where: t.arg({
          type: PortfolioHistoryWhere,
          description: 'Only points meeting these conditions as well.',
        }),
        orderBy: t.arg({
          type: [PortfolioHistoryOrder],
          description: 'The order; ties end in id order. Cursors belong to one order.',
        }),
      },
      resolve: (_root, args, ctx, info) =>
        resolveKeysetConnection({
          db: ctx.db,
          table: portfolioHistory,
          args,
          fieldName: fieldPath(info),
          ordering: args.orderBy?.length
            ? orderingOf(args.orderBy, historySortFields, historyIdKey, argumentName(info, 'orderBy'))
            : oldestPointsFirst,
          limits: PORTFOLIO_HISTORY_PAGE,
          filter: historyListFilter(
            args,
            args.where ? compileHistoryWhere(args.where, argumentName(info, 'where')) : undefined,
          ),
        }),
    },
    { name: 'PortfolioHistoryConnection', description: 'A page of portfolio history points.' },
    { name: 'PortfolioHistoryEdge', description: 'A portfolio history point and its cursor.' },
  ),
);
