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
