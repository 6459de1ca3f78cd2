/**
 * What can be pushed: trades and history points, each with the row reader
 * derived from its SQL table, a name for a row in messages, and the upsert
 * that sends a batch of them through the typed client.
 */
import {
  upsertPortfolioHistoryMutation,
  upsertTradesMutation,
  type FolioqlClient,
  type PortfolioHistoryInput,
  type TradeInput,
  type UpsertTradesMutation,
} from '../client/index.ts';
import { portfolioHistory, trades } from '../../db/schema.ts';
import { TRADE_TEXT_MAX } from '../../input-values.ts';
import { rowReaderFor, type RowReader } from './row-reader.ts';

/** What the server says an upsert did, as the typed client reads it. */
export type UpsertCounts = UpsertTradesMutation['upsertTrades'];

export interface PushTarget {
  reader: RowReader;
  /** Names a row by its upsert key, for messages. */
  describe(input: Record<string, unknown>): string;
  upsert(client: FolioqlClient, inputs: Record<string, unknown>[]): Promise<UpsertCounts>;
}

export const pushTargets = {
  trades: {
    reader: rowReaderFor(trades, { key: ['id'], textMax: TRADE_TEXT_MAX }),
    describe: (input) => `the trade "${String(input.id)}"`,
    upsert: async (client, inputs) =>
      (await client.request(upsertTradesMutation, { trades: inputs as TradeInput[] })).upsertTrades,
  },
  history: {
    reader: rowReaderFor(portfolioHistory, { key: ['market', 'interval', 'timestamp'] }),
    describe: (input) =>
      `the ${String(input.market)} ${String(input.interval)} point at ${String(input.timestamp)}`,
    upsert: async (client, inputs) =>
      (await client.request(upsertPortfolioHistoryMutation, { points: inputs as PortfolioHistoryInput[] }))
        .upsertPortfolioHistory,
  },
} satisfies Record<string, PushTarget>;

export type PushTargetName = keyof typeof pushTargets;
