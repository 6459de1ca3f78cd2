/**
 * The producer's writes of trades: one statement per batch, all or nothing.
 */
import { bulkUpsert, type UpsertCounts } from '../db/bulk-upsert.ts';
import { trades, type Trade as TradeRow, type TradeKey } from '../db/schema.ts';
import { deleteTradesById, tradeColumns, tradeWritableColumns } from '../db/trades.ts';
import { checkInstant, checkText, checkWellFormed, TRADE_TEXT_MAX } from '../input-values.ts';
import { inputFieldsOf } from './columns.ts';
import { checkBatchSize, checkNoDuplicates, DeletePayload, upsertCountFields } from './writes.ts';
import { argumentName, selectsField } from './resolver-info.ts';
import { builder } from './builder.ts';
import { Trade } from './trade.ts';

/** A trade as the producer sends it: its timestamp is epoch milliseconds. */
type TradeInputShape = Omit<TradeRow, 'timestamp'> & { timestamp: number };

const TradeInput = builder.inputRef<TradeInputShape>('TradeInput').implement({
  description: 'A trade to insert, or to overwrite if a trade with its id exists.',
  fields: (t) => inputFieldsOf<TradeInputShape, typeof trades>(t, trades, tradeColumns, { key: ['id'] }),
});

interface UpsertTradesResult {
  counts: UpsertCounts;
  trades: TradeRow[];
}

const UpsertTradesPayload = builder.objectRef<UpsertTradesResult>('UpsertTradesPayload').implement({
  description: 'The outcome of upsertTrades.',
  fields: (t) => ({
    trades: t.field({
      type: [Trade],
      description:
        'The trades as now stored, in the order sent. Leave it unselected for large batches you do not need back.',
      resolve: (result) => result.trades,
    }),
    ...upsertCountFields(t, 'Trades'),
  }),
});

builder.mutationField('upsertTrades', (t) =>
  t.field({
    type: UpsertTradesPayload,
    authScopes: { producer: true },
    complexity: (args) => ({ field: args.trades.length, multiplier: Math.max(1, args.trades.length) }),
    description:
      'Inserts trades, or overwrites those whose id exists, in one statement: all of them or, on any error, none.',
    args: {
      trades: t.arg({
        type: [TradeInput],
        required: true,
        description: 'The trades, each id at most once; up to MAX_BATCH_SIZE (10,000 by default) per call.',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const where = argumentName(info, 'trades');
      const input = args.trades;
      checkBatchSize(input, ctx.settings.maxBatchSize, where);
      input.forEach((trade, index) => {
        for (const field of Object.keys(TRADE_TEXT_MAX) as (keyof typeof TRADE_TEXT_MAX)[]) {
          checkText(String(trade[field]), TRADE_TEXT_MAX[field], `${where}: trades[${index}].${field}`);
        }
        checkInstant(trade.timestamp, `${where}: trades[${index}].timestamp`);
      });
      checkNoDuplicates(
        input,
        (trade) => String(trade.id),
        (trade) => `the id "${trade.id}"`,
        where,
      );

      const { counts, rows, changed } = await bulkUpsert(ctx.db, trades, {
        columns: tradeWritableColumns,
        key: ['id'],
        changedColumns: ['id', 'market', 'symbol'],
        rows: input.map((trade) => ({ ...trade, id: String(trade.id), timestamp: String(trade.timestamp) })),
        returning: selectsField(info, 'trades') ? 'rows' : 'counts',
      });
      ctx.changes.trades('upserted', changed as unknown as TradeKey[]);
      return { counts, trades: rows };
    },
  }),
);

builder.mutationField('deleteTrades', (t) =>
  t.field({
    type: DeletePayload,
    authScopes: { producer: true },
    complexity: (args) => ({ field: args.ids.length, multiplier: Math.max(1, args.ids.length) }),
    description: 'Deletes the trades with these ids; ids with no trade are ignored.',
    args: {
      ids: t.arg.idList({
        required: true,
        description: 'Order ids, up to MAX_BATCH_SIZE (10,000 by default) per call.',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      const where = argumentName(info, 'ids');
      checkBatchSize(args.ids, ctx.settings.maxBatchSize, where);
      const ids = args.ids.map(String);
      ids.forEach((id, index) => checkWellFormed(id, `${where}: ids[${index}]`));
      const deleted = await deleteTradesById(ctx.db, ids);
      ctx.changes.trades('deleted', deleted);
      return { deletedIds: deleted.map((trade) => trade.id) };
    },
  }),
);
