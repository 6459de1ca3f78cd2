/**
 * Rows for tests, written straight to the database so each test states the
 * data it reads.
 */
import { portfolioHistory, trades } from '../../src/db/schema.ts';
import type { Database } from '../../src/db/database.ts';

export type TradeInsert = typeof trades.$inferInsert;
export type HistoryInsert = typeof portfolioHistory.$inferInsert;

export function trade(overrides: Partial<TradeInsert> & Pick<TradeInsert, 'id'>): TradeInsert {
  return {
    timestamp: '1700000000000',
    market: 'kraken',
    symbol: 'BTC/USD',
    baseAsset: 'BTC',
    quoteAsset: 'USD',
    isBuy: true,
    amount: '1',
    price: '35000',
    usdValue: '35000',
    ...overrides,
  };
}

/** A trade as the GraphQL API takes it (TradeInput), values as a producer sends them. */
export function tradeInput(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    timestamp: 1700000000000,
    market: 'KRAKEN',
    symbol: 'BTC/USD',
    baseAsset: 'BTC',
    quoteAsset: 'USD',
    isBuy: true,
    amount: '0.5',
    price: '36000.123456789012345678',
    usdValue: '18000.061728394506172839',
    ...overrides,
  };
}

export function historyPoint(
  overrides: Partial<HistoryInsert> & Pick<HistoryInsert, 'timestamp'>,
): HistoryInsert {
  return {
    market: 'kraken',
    interval: 'week',
    usdTotalValue: '100000',
    ...overrides,
  };
}

export async function resetTables(db: Database) {
  await db.delete(trades);
  await db.delete(portfolioHistory);
}
