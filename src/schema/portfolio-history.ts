/**
 * Portfolio history: one point per market, interval and interval start,
 * with the portfolio's value and its return against BTC and ETH benchmarks.
 */
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { bulkUpsert, type UpsertCounts } from '../db/bulk-upsert.ts';
import { portfolioHistory, type PortfolioHistoryPoint as PortfolioHistoryRow } from '../db/schema.ts';
import { badUserInput } from '../errors.ts';
import { argumentName, checkBatchSize, checkInstant, checkNoDuplicates } from './batch-input.ts';
import { builder } from './builder.ts';
import { DeletePayload } from './delete-payload.ts';
import { Interval, Market } from './enums.ts';
import {
  columnConditions,
  compileWhere,
  EpochMillisFilter,
  IDFilter,
  IntervalFilter,
  MarketFilter,
  type Comparisons,
} from './filters.ts';
import { instantFields } from './instant-fields.ts';
import { resolveKeysetConnection, type Ordering } from './pagination.ts';
import { Decimal, EpochMillis } from './scalars.ts';
import { selectsField } from './selection.ts';
import { upsertCountFields } from './upsert-counts.ts';

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
          db: ctx.db,
          table: portfolioHistory,
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
        }),
    },
    { name: 'PortfolioHistoryConnection', description: 'A page of portfolio history points.' },
    { name: 'PortfolioHistoryEdge', description: 'A portfolio history point and its cursor.' },
  ),
);

const PortfolioHistoryInput = builder.inputType('PortfolioHistoryInput', {
  description:
    'A history point to insert, or to rewrite in place if a point with its market, interval and timestamp exists. ' +
    'Every value is replaced: a value left out is stored as null.',
  fields: (t) => {
    const decimal = (description: string) => t.field({ type: Decimal, description });
    return {
      timestamp: t.field({ type: EpochMillis, required: true, description: 'Start of the interval.' }),
      market: t.field({ type: Market, required: true, description: 'The market.' }),
      interval: t.field({ type: Interval, required: true, description: 'The interval length.' }),
      updatedAt: t.field({
        type: EpochMillis,
        description: 'When the producer computed the point; the time of the write when left out.',
      }),
      usdTotalValue: decimal('Value of the portfolio in US dollars.'),
      usdHeld: decimal('The part held in US dollars.'),
      intervalPctReturn: decimal('Return over the interval, in percent.'),
      benchmarkBtcValue: decimal('The value had it been held in BTC.'),
      benchmarkBtcIntervalPctReturn: decimal("BTC's return over the interval, in percent."),
      benchmarkEthValue: decimal('The value had it been held in ETH.'),
      benchmarkEthIntervalPctReturn: decimal("ETH's return over the interval, in percent."),
    };
  },
});

interface UpsertHistoryResult {
  counts: UpsertCounts;
  points: PortfolioHistoryRow[];
}

const UpsertPortfolioHistoryPayload = builder
  .objectRef<UpsertHistoryResult>('UpsertPortfolioHistoryPayload')
  .implement({
    description: 'The outcome of upsertPortfolioHistory.',
    fields: (t) => ({
      points: t.field({
        type: [PortfolioHistoryPoint],
        description: 'The points as now stored, in the order sent.',
        resolve: (result) => result.points,
      }),
      ...upsertCountFields(t, 'Points'),
    }),
  });

const HISTORY_KEY = ['market', 'interval', 'timestamp'] as const;
const HISTORY_COLUMNS = [
  ...HISTORY_KEY,
  'updatedAt',
  'usdTotalValue',
  'usdHeld',
  'intervalPctReturn',
  'benchmarkBtcValue',
  'benchmarkBtcIntervalPctReturn',
  'benchmarkEthValue',
  'benchmarkEthIntervalPctReturn',
] as const;

builder.mutationField('upsertPortfolioHistory', (t) =>
  t.field({
    type: UpsertPortfolioHistoryPayload,
    authScopes: { producer: true },
    description:
      'Inserts history points, or rewrites in place those whose (market, interval, timestamp) exists, in one ' +
      'statement. The ongoing interval is never missing, even for a moment: readers see the old point or the new one.',
    args: {
      points: t.arg({
        type: [PortfolioHistoryInput],
        required: true,
        description: 'The points, each key at most once; up to MAX_BATCH_SIZE (10,000 by default) per call.',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const where = argumentName(info, 'points');
      checkBatchSize(args.points, ctx.settings.maxBatchSize, where);
      args.points.forEach((point, index) => {
        checkInstant(point.timestamp, `${where}: points[${index}].timestamp`);
        if (point.updatedAt != null) checkInstant(point.updatedAt, `${where}: points[${index}].updatedAt`);
      });
      const writtenAt = String(Date.now());
      const rows = args.points.map((point) => ({
        market: point.market,
        interval: point.interval,
        timestamp: String(point.timestamp),
        updatedAt: point.updatedAt == null ? writtenAt : String(point.updatedAt),
        usdTotalValue: point.usdTotalValue ?? null,
        usdHeld: point.usdHeld ?? null,
        intervalPctReturn: point.intervalPctReturn ?? null,
        benchmarkBtcValue: point.benchmarkBtcValue ?? null,
        benchmarkBtcIntervalPctReturn: point.benchmarkBtcIntervalPctReturn ?? null,
        benchmarkEthValue: point.benchmarkEthValue ?? null,
        benchmarkEthIntervalPctReturn: point.benchmarkEthIntervalPctReturn ?? null,
      }));
      checkNoDuplicates(
        rows,
        (row) => `${row.market} ${row.interval} ${row.timestamp}`,
        (row) => `the point (${row.market}, ${row.interval}, ${row.timestamp})`,
        where,
      );
      const { counts, rows: stored } = await bulkUpsert(ctx.db, portfolioHistory, {
        columns: HISTORY_COLUMNS,
        key: HISTORY_KEY,
        // Resending a point unchanged but for its write time leaves it as it is.
        ignoreInChangeCheck: ['updatedAt'],
        rows,
        returning: selectsField(info, 'points') ? 'rows' : 'counts',
      });
      return { counts, points: stored };
    },
  }),
);

interface HistoryWhere {
  id?: Comparisons<string | number> | null;
  timestamp?: Comparisons<number> | null;
  market?: Comparisons<'kraken'> | null;
  interval?: Comparisons<'week' | 'day'> | null;
  and?: readonly HistoryWhere[] | null;
  or?: readonly HistoryWhere[] | null;
}

export const PortfolioHistoryWhere = builder.inputRef<HistoryWhere>('PortfolioHistoryWhere').implement({
  description:
    'Conditions on history points: all given must hold; `and` and `or` combine further conditions.',
  fields: (t) => ({
    id: t.field({ type: IDFilter, description: 'The database id.' }),
    timestamp: t.field({ type: EpochMillisFilter, description: 'The start of the interval.' }),
    market: t.field({ type: MarketFilter, description: 'The market.' }),
    interval: t.field({ type: IntervalFilter, description: 'The interval length.' }),
    and: t.field({ type: [PortfolioHistoryWhere], description: 'Conditions that must all hold as well.' }),
    or: t.field({
      type: [PortfolioHistoryWhere],
      description: 'Conditions of which at least one must hold as well.',
    }),
  }),
});

function historyIdValue(path: string) {
  return (id: string | number) => {
    const value = /^[1-9]\d{0,9}$/.test(String(id)) ? Number(id) : Number.NaN;
    if (!(value <= 2_147_483_647)) {
      throw badUserInput(`${path}: "${id}" is not a history point id`);
    }
    return value;
  };
}

export function compileHistoryWhere(where: HistoryWhere, path: string) {
  return compileWhere(where, path, (branch, branchPath) => [
    ...columnConditions(
      portfolioHistory.id,
      branch.id,
      `${branchPath}.id`,
      historyIdValue(`${branchPath}.id`),
    ),
    ...columnConditions(portfolioHistory.timestamp, branch.timestamp, `${branchPath}.timestamp`, String),
    ...columnConditions(portfolioHistory.market, branch.market, `${branchPath}.market`),
    ...columnConditions(portfolioHistory.interval, branch.interval, `${branchPath}.interval`),
  ]);
}

builder.mutationField('deletePortfolioHistory', (t) =>
  t.field({
    type: DeletePayload,
    authScopes: { producer: true },
    description:
      'Deletes the history points matching `where`, if there are at most `atMost` of them; ' +
      'if more match, deletes nothing and says so. A `where` with no condition is refused.',
    args: {
      where: t.arg({ type: PortfolioHistoryWhere, required: true, description: 'Which points to delete.' }),
      atMost: t.arg.int({
        defaultValue: 1,
        description:
          'The most points this call may delete, from 1 to MAX_BATCH_SIZE (10,000 by default): a guard against a broader where than meant.',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const atMost = args.atMost;
      const most = ctx.settings.maxBatchSize;
      if (atMost == null || atMost < 1 || atMost > most) {
        throw badUserInput(`${argumentName(info, 'atMost')} must be from 1 to ${most}, got ${atMost}`);
      }
      const condition = compileHistoryWhere(args.where, argumentName(info, 'where'));
      if (!condition) {
        throw badUserInput(
          `${argumentName(info, 'where')} has no condition; deleting every point is not allowed`,
        );
      }
      // Deletes at most one row more than allowed, which is enough to know the where is too broad.
      const candidates = ctx.db
        .select({ id: portfolioHistory.id })
        .from(portfolioHistory)
        .where(condition)
        .limit(atMost + 1);
      const deleted = await ctx.db
        .delete(portfolioHistory)
        .where(inArray(portfolioHistory.id, candidates))
        .returning({ id: portfolioHistory.id });
      if (deleted.length > atMost) {
        // Thrown, the error rolls the operation's transaction back: nothing stays deleted.
        throw badUserInput(
          `More than ${atMost} history point${atMost === 1 ? '' : 's'} match ${argumentName(info, 'where')}; ` +
            'nothing was deleted. Narrow the where, or raise atMost.',
        );
      }
      return { deletedIds: deleted.map((row) => row.id) };
    },
  }),
);
