/**
 * The statements that read and delete trades: the latest, one by id, the
 * conditions of a list of them, and what they may be ordered by. Writes:
 * bulk-upsert.ts. The GraphQL of trades is src/schema/trade.ts.
 */
import { and, asc, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { TRADE_TEXT_MAX } from '../input-values.ts';
import { sortFieldsOf, whereCompiler, writableColumnsOf, type TableDescription } from './columns.ts';
import type { Database } from './database.ts';
import type { SortField } from './keyset.ts';
import { trades, type Trade } from './schema.ts';

/** The side of a trade as GraphQL names it; is_buy in SQL. */
export type SideValue = 'buy' | 'sell';
export const isBuyOf = (side: SideValue) => side === 'buy';
export const sideOf = (isBuy: boolean): SideValue => (isBuy ? 'buy' : 'sell');

/** The most recent trades, newest first; trades at the same millisecond in id order. */
export function selectLatestTrades(
  db: Database,
  options: { limit: number; market?: Trade['market'] | null; symbol?: string | null },
) {
  return db
    .select()
    .from(trades)
    .where(
      and(
        options.market ? eq(trades.market, options.market) : undefined,
        options.symbol != null ? eq(trades.symbol, options.symbol) : undefined,
      ),
    )
    .orderBy(desc(trades.timestamp), asc(trades.id))
    .limit(options.limit);
}

/** One trade by its order id, or null. */
export async function selectTradeById(db: Database, id: string): Promise<Trade | null> {
  const [trade] = await db.select().from(trades).where(eq(trades.id, id));
  return trade ?? null;
}

/** The trades with these ids, in no particular order; ids with no trade are left out. */
export function selectTradesByIds(db: Database, ids: readonly string[]): Promise<Trade[]> {
  return db
    .select()
    .from(trades)
    .where(sql`${trades.id} = any(${sql.param(ids)}::text[])`);
}

/** Deletes the trades with these ids; returns what was deleted, with what change subscribers filter on. */
export async function deleteTradesById(
  db: Database,
  ids: readonly string[],
): Promise<Pick<Trade, 'id' | 'market' | 'symbol'>[]> {
  return db
    .delete(trades)
    .where(sql`${trades.id} = any(${sql.param(ids)}::text[])`)
    .returning({ id: trades.id, market: trades.market, symbol: trades.symbol });
}

/** What each column of trades is in GraphQL: the Trade fields, TradeWhere, TradeInput and TradeOrder. */
export const tradeColumns = {
  id: {
    description: "The producer's order id; unique across all trades.",
    filter: { description: 'The order id.' },
    input: { description: `The order id: any text up to ${TRADE_TEXT_MAX.id} characters.` },
  },
  timestamp: {
    // Shown as `timestamp` and `time` (src/schema/instant-fields.ts).
    description: 'When the trade executed',
    filter: { description: 'When the trade executed.' },
    sort: { asc: 'Oldest first.', desc: 'Newest first.' },
    input: { description: 'When the trade executed.' },
  },
  market: {
    description: 'The exchange the trade executed on.',
    filter: { description: 'The exchange.' },
    input: { description: 'The exchange.' },
  },
  symbol: {
    description: 'The traded pair as the exchange names it, such as "BTC/USD".',
    filter: { description: 'The pair, such as "BTC/USD".' },
    sort: { asc: 'By pair, A to Z.', desc: 'By pair, Z to A.' },
    input: { description: 'The pair, such as "BTC/USD".' },
  },
  baseAsset: {
    description: 'The asset bought or sold, such as "BTC".',
    input: { description: 'The asset bought or sold.' },
  },
  quoteAsset: {
    description: 'The asset the price is quoted in, such as "USD".',
    input: { description: 'The asset of the price.' },
  },
  isBuy: {
    description: 'True for a buy of the base asset, false for a sell.',
    // Filtered as the Side enum, as the derived field `side` shows it.
    filter: { name: 'side', description: 'Buy or sell.', toDatabase: isBuyOf },
    input: { description: 'True for a buy, false for a sell.' },
  },
  amount: {
    description: 'Quantity of the base asset traded.',
    filter: { description: 'Quantity of the base asset.' },
    input: { description: 'Quantity of the base asset.' },
  },
  price: {
    description: 'Price of one unit of the base asset, in the quote asset.',
    filter: { description: 'Price in the quote asset.' },
    input: { description: 'Price in the quote asset.' },
  },
  usdValue: {
    description: 'Value of the trade in US dollars.',
    filter: { description: 'Value in US dollars.' },
    sort: { asc: 'Smallest value in US dollars first.', desc: 'Largest value in US dollars first.' },
    input: { description: 'Value in US dollars.' },
  },
} satisfies TableDescription<typeof trades>;

/** The SQL of a TradeWhere, or undefined for one with no condition. */
export const compileTradeWhere = whereCompiler(trades, tradeColumns);

/** The filter of a list of trades: a compiled where, and Query.trades' own arguments. */
export function tradeListFilter(
  where: SQL | undefined,
  args: {
    market?: Trade['market'] | null;
    symbol?: string | null;
    isBuy?: boolean | null;
    from?: number | null;
    to?: number | null;
  },
) {
  return and(
    where,
    args.market ? eq(trades.market, args.market) : undefined,
    args.symbol != null ? eq(trades.symbol, args.symbol) : undefined,
    args.isBuy != null ? eq(trades.isBuy, args.isBuy) : undefined,
    args.from != null ? gte(trades.timestamp, String(args.from)) : undefined,
    args.to != null ? lt(trades.timestamp, String(args.to)) : undefined,
  );
}

/** The columns trades may be ordered by. */
export const tradeSortFields = sortFieldsOf(trades, tradeColumns);
/** The columns an upsert of trades writes. */
export const tradeWritableColumns = writableColumnsOf(trades, tradeColumns);
/** The unique key every ordering of trades ends in. */
export const tradeIdKey: SortField<Trade> = { column: trades.id, property: 'id', kind: 'text' };
