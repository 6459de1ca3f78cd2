/**
 * Trades: one fill of an order on an exchange, as the producer reported it.
 * Anyone may read the latest; the full history and writes are the producer's.
 */
import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { bulkUpsert, type UpsertCounts } from '../db/bulk-upsert.ts';
import { trades, type Trade as TradeRow } from '../db/schema.ts';
import { badUserInput } from '../errors.ts';
import { argumentName, checkBatchSize, checkInstant, checkNoDuplicates, checkText } from './batch-input.ts';
import { builder } from './builder.ts';
import { DeletePayload } from './delete-payload.ts';
import { Market } from './enums.ts';
import { instantFields } from './instant-fields.ts';
import { resolveKeysetConnection, type Ordering } from './pagination.ts';
import { Decimal, EpochMillis } from './scalars.ts';
import { selectsField } from './selection.ts';
import { upsertCountFields } from './upsert-counts.ts';

export const LATEST_TRADES_MAX = 1000;
export const TRADES_PAGE = { defaultSize: 100, maxSize: 1000 };
/** Longest texts a trade may carry; Kraken's order ids are 19 characters. */
export const TRADE_TEXT_MAX = { id: 256, symbol: 64, baseAsset: 32, quoteAsset: 32 } as const;

export const Trade = builder.objectRef<TradeRow>('Trade').implement({
  description: 'One executed trade (a fill), as reported by the producer.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The producer's order id; unique across all trades." }),
    ...instantFields(t, 'When the trade executed'),
    market: t.expose('market', { type: Market, description: 'The exchange the trade executed on.' }),
    symbol: t.exposeString('symbol', {
      description: 'The traded pair as the exchange names it, such as "BTC/USD".',
    }),
    baseAsset: t.exposeString('baseAsset', { description: 'The asset bought or sold, such as "BTC".' }),
    quoteAsset: t.exposeString('quoteAsset', {
      description: 'The asset the price is quoted in, such as "USD".',
    }),
    isBuy: t.exposeBoolean('isBuy', { description: 'True for a buy of the base asset, false for a sell.' }),
    amount: t.expose('amount', { type: Decimal, description: 'Quantity of the base asset traded.' }),
    price: t.expose('price', {
      type: Decimal,
      description: 'Price of one unit of the base asset, in the quote asset.',
    }),
    usdValue: t.expose('usdValue', { type: Decimal, description: 'Value of the trade in US dollars.' }),
  }),
});

const newestFirst = [desc(trades.timestamp), asc(trades.id)];

builder.queryField('latestTrades', (t) =>
  t.field({
    type: [Trade],
    description: 'The most recent trades, newest first; trades at the same millisecond are ordered by id.',
    args: {
      limit: t.arg.int({
        defaultValue: 20,
        description: `How many trades to return, from 1 to ${LATEST_TRADES_MAX}.`,
      }),
      market: t.arg({ type: Market, description: 'Only trades on this exchange.' }),
      symbol: t.arg.string({ description: 'Only trades of this pair, such as "BTC/USD".' }),
    },
    resolve: (_root, args, ctx) => {
      const { limit } = args;
      if (limit == null || limit < 1 || limit > LATEST_TRADES_MAX) {
        throw badUserInput(
          `Argument "limit" of Query.latestTrades must be from 1 to ${LATEST_TRADES_MAX}, got ${limit}`,
        );
      }
      return ctx.db
        .select()
        .from(trades)
        .where(
          and(
            args.market ? eq(trades.market, args.market) : undefined,
            args.symbol != null ? eq(trades.symbol, args.symbol) : undefined,
          ),
        )
        .orderBy(...newestFirst)
        .limit(limit);
    },
  }),
);

/** Newest first; trades of one millisecond in id order. */
const byTimestampDesc: Ordering<TradeRow> = {
  name: 'timestamp_desc',
  keys: [
    { column: trades.timestamp, direction: 'desc', kind: 'bigint', value: (trade) => trade.timestamp },
    { column: trades.id, direction: 'asc', kind: 'text', value: (trade) => trade.id },
  ],
};

builder.queryField('trades', (t) =>
  t.connection(
    {
      type: Trade,
      authScopes: { producer: true },
      description: `Every trade, newest first, ${TRADES_PAGE.defaultSize} a page by default and at most ${TRADES_PAGE.maxSize}. Producer only.`,
      args: {
        market: t.arg({ type: Market, description: 'Only trades on this exchange.' }),
        symbol: t.arg.string({ description: 'Only trades of this pair, such as "BTC/USD".' }),
        isBuy: t.arg.boolean({ description: 'Only buys (true) or only sells (false).' }),
        from: t.arg({ type: EpochMillis, description: 'Only trades at or after this instant.' }),
        to: t.arg({ type: EpochMillis, description: 'Only trades before this instant (exclusive).' }),
      },
      resolve: (_root, args, ctx) =>
        resolveKeysetConnection({
          db: ctx.db,
          table: trades,
          args,
          fieldName: 'Query.trades',
          ordering: byTimestampDesc,
          limits: TRADES_PAGE,
          filter: and(
            args.market ? eq(trades.market, args.market) : undefined,
            args.symbol != null ? eq(trades.symbol, args.symbol) : undefined,
            args.isBuy != null ? eq(trades.isBuy, args.isBuy) : undefined,
            args.from != null ? gte(trades.timestamp, String(args.from)) : undefined,
            args.to != null ? lt(trades.timestamp, String(args.to)) : undefined,
          ),
        }),
    },
    { name: 'TradeConnection', description: 'A page of trades.' },
    { name: 'TradeEdge', description: 'A trade and its cursor.' },
  ),
);

builder.queryField('trade', (t) =>
  t.field({
    type: Trade,
    nullable: true,
    authScopes: { producer: true },
    description: 'One trade by its order id, or null if there is none. Producer only, like Query.trades.',
    args: { id: t.arg.id({ required: true, description: "The producer's order id." }) },
    resolve: async (_root, { id }, ctx) => {
      const [trade] = await ctx.db
        .select()
        .from(trades)
        .where(eq(trades.id, String(id)));
      return trade ?? null;
    },
  }),
);

const TradeInput = builder.inputType('TradeInput', {
  description: 'A trade to insert, or to overwrite if a trade with its id exists.',
  fields: (t) => ({
    id: t.id({
      required: true,
      description: `The order id: any text up to ${TRADE_TEXT_MAX.id} characters.`,
    }),
    timestamp: t.field({ type: EpochMillis, required: true, description: 'When the trade executed.' }),
    market: t.field({ type: Market, required: true, description: 'The exchange.' }),
    symbol: t.string({ required: true, description: 'The pair, such as "BTC/USD".' }),
    baseAsset: t.string({ required: true, description: 'The asset bought or sold.' }),
    quoteAsset: t.string({ required: true, description: 'The asset of the price.' }),
    isBuy: t.boolean({ required: true, description: 'True for a buy, false for a sell.' }),
    amount: t.field({ type: Decimal, required: true, description: 'Quantity of the base asset.' }),
    price: t.field({ type: Decimal, required: true, description: 'Price in the quote asset.' }),
    usdValue: t.field({ type: Decimal, required: true, description: 'Value in US dollars.' }),
  }),
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

const TRADE_COLUMNS = [
  'id',
  'timestamp',
  'market',
  'symbol',
  'baseAsset',
  'quoteAsset',
  'isBuy',
  'amount',
  'price',
  'usdValue',
] as const;

builder.mutationField('upsertTrades', (t) =>
  t.field({
    type: UpsertTradesPayload,
    authScopes: { producer: true },
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
        for (const field of ['id', 'symbol', 'baseAsset', 'quoteAsset'] as const) {
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

      const { counts, rows } = await bulkUpsert(ctx.db, trades, {
        columns: TRADE_COLUMNS,
        key: ['id'],
        rows: input.map((trade) => ({ ...trade, id: String(trade.id), timestamp: String(trade.timestamp) })),
        returning: selectsField(info, 'trades') ? 'rows' : 'counts',
      });
      return { counts, trades: rows };
    },
  }),
);

builder.mutationField('deleteTrades', (t) =>
  t.field({
    type: DeletePayload,
    authScopes: { producer: true },
    description: 'Deletes the trades with these ids; ids with no trade are ignored.',
    args: {
      ids: t.arg.idList({
        required: true,
        description: 'Order ids, up to MAX_BATCH_SIZE (10,000 by default) per call.',
      }),
    },
    resolve: async (_root, args, ctx, info) => {
      checkBatchSize(args.ids, ctx.settings.maxBatchSize, argumentName(info, 'ids'));
      const ids = args.ids.map(String);
      const deleted = await ctx.db
        .delete(trades)
        .where(sql`${trades.id} = any(${sql.param(ids)}::text[])`)
        .returning({ id: trades.id });
      return { deletedIds: deleted.map((row) => row.id) };
    },
  }),
);
