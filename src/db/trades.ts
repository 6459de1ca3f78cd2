/**
 * The statements that read and delete trades: the latest, one by id, the
 * conditions of a list of them, and what they may be ordered by. Writes:
 * bulk-upsert.ts. The GraphQL of trades is src/schema/trade.ts.
 */
import { and, asc, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { checkWellFormed } from '../input-values.ts';
import type { Database } from './database.ts';
import { columnConditions, compileWhere, type Comparisons } from './filters.ts';
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

/** Deletes the trades with these ids; returns the ids deleted. */
export async function deleteTradesById(db: Database, ids: readonly string[]): Promise<string[]> {
  const deleted = await db
    .delete(trades)
    .where(sql`${trades.id} = any(${sql.param(ids)}::text[])`)
    .returning({ id: trades.id });
  return deleted.map((row) => row.id);
}

export interface TradeWhereShape {
  id?: Comparisons<string | number> | null;
  timestamp?: Comparisons<number> | null;
  market?: Comparisons<Trade['market']> | null;
  symbol?: Comparisons<string> | null;
  side?: Comparisons<SideValue> | null;
  amount?: Comparisons<string> | null;
  price?: Comparisons<string> | null;
  usdValue?: Comparisons<string> | null;
  and?: readonly TradeWhereShape[] | null;
  or?: readonly TradeWhereShape[] | null;
}

/** The SQL of a TradeWhere, or undefined for one with no condition. */
export function compileTradeWhere(where: TradeWhereShape, path: string) {
  return compileWhere(where, path, (branch, at) => [
    ...columnConditions(trades.id, branch.id, `${at}.id`, wellFormedText(`${at}.id`)),
    ...columnConditions(trades.timestamp, branch.timestamp, `${at}.timestamp`, String),
    ...columnConditions(trades.market, branch.market, `${at}.market`),
    ...columnConditions(trades.symbol, branch.symbol, `${at}.symbol`, wellFormedText(`${at}.symbol`)),
    ...columnConditions(trades.isBuy, branch.side, `${at}.side`, isBuyOf),
    ...columnConditions(trades.amount, branch.amount, `${at}.amount`),
    ...columnConditions(trades.price, branch.price, `${at}.price`),
    ...columnConditions(trades.usdValue, branch.usdValue, `${at}.usdValue`),
  ]);
}

/** A text compared with a text column, refused if it holds a lone surrogate (it would match U+FFFD). */
function wellFormedText(path: string) {
  return (value: string | number) => {
    const text = String(value);
    checkWellFormed(text, path);
    return text;
  };
}

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
export const tradeSortFields: Record<string, SortField<Trade>> = {
  timestamp: { column: trades.timestamp, property: 'timestamp', kind: 'bigint' },
  symbol: { column: trades.symbol, property: 'symbol', kind: 'text' },
  usdValue: { column: trades.usdValue, property: 'usdValue', kind: 'decimal' },
};
/** The unique key every ordering of trades ends in. */
export const tradeIdKey: SortField<Trade> = { column: trades.id, property: 'id', kind: 'text' };
