/**
 * The producer's writes of history points: upserts that rewrite the ongoing
 * interval in place, and guarded deletes.
 */
import { bulkUpsert, type UpsertCounts } from '../db/bulk-upsert.ts';
import {
  compileHistoryWhere,
  deleteHistoryPoints,
  historyColumns,
  historyWritableColumns,
} from '../db/portfolio-history.ts';
import {
  portfolioHistory,
  type PointKey,
  type PortfolioHistoryPoint as PortfolioHistoryRow,
} from '../db/schema.ts';
import { badUserInput } from '../errors.ts';
import { checkInstant } from '../input-values.ts';
import { checkBatchSize, checkNoDuplicates, DeletePayload, upsertCountFields } from './writes.ts';
import { argumentName, selectsField } from './resolver-info.ts';
import { builder } from './builder.ts';
import { inputFieldsOf } from './columns.ts';
import { PortfolioHistoryPoint, PortfolioHistoryWhere } from './portfolio-history.ts';

const HISTORY_KEY = ['market', 'interval', 'timestamp'] as const;

/** A history point as the producer sends it; values left out are null. */
type HistoryInputShape = Partial<
  Omit<PortfolioHistoryRow, 'id' | 'timestamp' | 'updatedAt' | 'market' | 'interval'>
> & {
  timestamp: number;
  updatedAt?: number | null;
  market: NonNullable<PortfolioHistoryRow['market']>;
  interval: NonNullable<PortfolioHistoryRow['interval']>;
};

const PortfolioHistoryInput = builder.inputRef<HistoryInputShape>('PortfolioHistoryInput').implement({
  description:
    'A history point to insert, or to rewrite in place if a point with its market, interval and timestamp exists. ' +
    'Every value is replaced: a value left out is stored as null.',
  fields: (t) =>
    inputFieldsOf<HistoryInputShape, typeof portfolioHistory>(t, portfolioHistory, historyColumns, {
      key: HISTORY_KEY,
      first: ['timestamp', 'market', 'interval'],
    }),
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

builder.mutationField('upsertPortfolioHistory', (t) =>
  t.field({
    type: UpsertPortfolioHistoryPayload,
    authScopes: { producer: true },
    complexity: (args) => ({ field: args.points.length, multiplier: Math.max(1, args.points.length) }),
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
      // Values left out are stored as null: bulkUpsert writes every column it is given.
      const rows = args.points.map((point) => ({
        ...point,
        timestamp: String(point.timestamp),
        updatedAt: point.updatedAt == null ? writtenAt : String(point.updatedAt),
      }));
      checkNoDuplicates(
        rows,
        (row) => `${row.market} ${row.interval} ${row.timestamp}`,
        (row) => `the point (${row.market}, ${row.interval}, ${row.timestamp})`,
        where,
      );
      const {
        counts,
        rows: stored,
        changed,
      } = await bulkUpsert(ctx.db, portfolioHistory, {
        changedColumns: ['id', 'market', 'interval'],
        columns: historyWritableColumns as readonly Exclude<(typeof historyWritableColumns)[number], 'id'>[],
        key: HISTORY_KEY,
        // Resending a point unchanged but for its write time leaves it as it is.
        ignoreInChangeCheck: ['updatedAt'],
        rows,
        returning: selectsField(info, 'points') ? 'rows' : 'counts',
      });
      ctx.changes.points('upserted', changed as unknown as PointKey[]);
      return { counts, points: stored };
    },
  }),
);

builder.mutationField('deletePortfolioHistory', (t) =>
  t.field({
    type: DeletePayload,
    authScopes: { producer: true },
    complexity: (args) => ({ field: args.atMost ?? 1, multiplier: Math.max(1, args.atMost ?? 1) }),
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
      const deleted = await deleteHistoryPoints(ctx.db, condition, atMost);
      if (deleted.length > atMost) {
        // Thrown, the error rolls the operation's transaction back: nothing stays deleted.
        throw badUserInput(
          `More than ${atMost} history point${atMost === 1 ? '' : 's'} match ${argumentName(info, 'where')}; ` +
            'nothing was deleted. Narrow the where, or raise atMost.',
        );
      }
      ctx.changes.points('deleted', deleted);
      return { deletedIds: deleted.map((point) => point.id) };
    },
  }),
);
