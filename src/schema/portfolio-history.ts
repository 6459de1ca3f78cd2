/**
 * Portfolio history: one point per market, interval and interval start,
 * with the portfolio's value and its return against BTC and ETH benchmarks.
 * Anyone may read it. Writes: portfolio-history-writes.ts.
 */
import type { ArgBuilder } from '@pothos/core';
import {
  compileHistoryWhere,
  historyColumns,
  historyIdKey,
  historyListFilter,
  historySortFields,
} from '../db/portfolio-history.ts';
import type { WhereShape } from '../db/columns.ts';
import { portfolioHistory, type PortfolioHistoryPoint as PortfolioHistoryRow } from '../db/schema.ts';
import { builder, type SchemaTypes } from './builder.ts';
import { Interval, Market } from './enums.ts';
import { objectFieldsOf, orderValuesOf, whereFieldsOf } from './columns.ts';
import { argumentName, fieldPath } from './resolver-info.ts';
import { instantFields } from './instant-fields.ts';
import { orderingOf, resolveKeysetConnection } from './pagination.ts';
import { EpochMillis } from './scalars.ts';

export const PORTFOLIO_HISTORY_PAGE = { defaultSize: 100, maxSize: 1000 };

/** A stored history point as errors about its values name it. */
export const historyRowName = (point: { id: number }) => `the portfolio_history row with id ${point.id}`;

export const PortfolioHistoryPoint = builder
  .objectRef<PortfolioHistoryRow>('PortfolioHistoryPoint')
  .implement({
    description:
      'The portfolio over one interval (a day or a week) on one market. The ongoing interval is rewritten by the producer until it ends.',
    fields: (t) =>
      objectFieldsOf(t, portfolioHistory, historyColumns, {
        rowName: historyRowName,
        special: {
          timestamp: () => instantFields(t, historyColumns.timestamp.description, historyRowName),
        },
      }),
  });

export const PortfolioHistoryWhere = builder.inputRef<WhereShape>('PortfolioHistoryWhere').implement({
  description:
    'Conditions on history points: all given must hold; `and` and `or` combine further conditions. ' +
    'A decimal condition never matches a point whose value is null.',
  fields: (t) => ({
    ...whereFieldsOf(t, portfolioHistory, historyColumns),
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
  values: orderValuesOf(portfolioHistory, historyColumns),
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
