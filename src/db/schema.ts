/**
 * The portfolio schema: the single source of truth for tables, enums and
 * indexes. GraphQL types, enums and migrations are all derived from here.
 *
 * The SQL names are those of the PostgREST deployment folioql replaces, so an
 * existing database can be pointed at without renaming anything.
 */
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  serial,
  text,
  unique,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const marketEnum = pgEnum('market_enum', ['kraken']);
export const intervalEnum = pgEnum('interval_enum', ['week', 'day']);

export type IntervalValue = (typeof intervalEnum.enumValues)[number];

/** How long each interval is: a point covers [timestamp, timestamp + length). */
export const intervalMillis = {
  week: 7 * 86_400_000,
  day: 86_400_000,
} as const satisfies Record<IntervalValue, number>;

/**
 * NUMERIC(48,18) kept as the string PostgreSQL returns: a JavaScript number
 * would silently round the 30 integer and 18 fractional digits.
 */
const decimal = (name: string) => numeric(name, { precision: 48, scale: 18 });

/**
 * Epoch milliseconds as the decimal string of the BIGINT. `mode: 'number'`
 * would round values above 2^53 without a word; the GraphQL scalar converts
 * the string and refuses what does not fit exactly.
 */
const epochMillis = (name: string) => bigint(name, { mode: 'string' });

export const trades = pgTable(
  'trades',
  {
    /** The producer's order id: any string, used as the upsert key. */
    id: text('id').primaryKey(),
    timestamp: epochMillis('timestamp').notNull(),
    market: marketEnum('market').notNull(),
    symbol: text('symbol').notNull(),
    baseAsset: text('base_asset').notNull(),
    quoteAsset: text('quote_asset').notNull(),
    isBuy: boolean('is_buy').notNull(),
    amount: decimal('amount').notNull(),
    price: decimal('price').notNull(),
    usdValue: decimal('usd_value').notNull(),
  },
  (table) => [
    // Newest-first reads page on (timestamp desc, id); the id breaks ties.
    // NULLS FIRST is what plain ORDER BY … DESC means: with drizzle's default
    // (NULLS LAST) PostgreSQL would not use the index for that order.
    index('trades_timestamp_id_idx').on(table.timestamp.desc().nullsFirst(), table.id),
    // Per-symbol reads, newest first.
    index('trades_symbol_timestamp_idx').on(table.symbol, table.timestamp.desc().nullsFirst(), table.id),
    // The largest trades first (orderBy: USD_VALUE_DESC), paged by keyset.
    index('trades_usd_value_id_idx').on(table.usdValue.desc().nullsFirst(), table.id),
  ],
);

export const portfolioHistory = pgTable(
  'portfolio_history',
  {
    id: serial('id').primaryKey(),
    /** Start of the interval the point describes. */
    timestamp: epochMillis('timestamp').notNull(),
    /** When the producer last rewrote the point (the ongoing interval changes). */
    updatedAt: epochMillis('updated_at'),
    market: marketEnum('market'),
    interval: intervalEnum('interval'),
    usdTotalValue: decimal('usd_total_value'),
    usdHeld: decimal('usd_held'),
    intervalPctReturn: decimal('interval_pct_return'),
    benchmarkBtcValue: decimal('benchmark_btc_value'),
    benchmarkBtcIntervalPctReturn: decimal('benchmark_btc_interval_pct_return'),
    benchmarkEthValue: decimal('benchmark_eth_value'),
    benchmarkEthIntervalPctReturn: decimal('benchmark_eth_interval_pct_return'),
  },
  (table) => [
    // The natural key of a history point; it also serves the
    // interval/market/time range reads, which page on (timestamp, id).
    unique('portfolio_history_market_interval_timestamp_key').on(
      table.market,
      table.interval,
      table.timestamp,
    ),
    index('portfolio_history_interval_timestamp_id_idx').on(table.interval, table.timestamp, table.id),
  ],
);

/** A changed trade as the change log names it: its id, and what subscribers filter on. */
export interface TradeKey {
  id: string;
  market: string;
  symbol: string;
}

/** Trades one write operation changed: what a subscriber to tradesChanged is told. */
export interface TradeChanges {
  /** The trades inserted, or updated with new values. */
  upserted: TradeKey[];
  deleted: TradeKey[];
}

/** A changed history point as the change log names it: its id, and what subscribers filter on. */
export interface PointKey {
  id: number;
  market: string | null;
  interval: string | null;
}

/** History points one write operation changed. */
export interface HistoryChanges {
  /** The points inserted, or rewritten with new values. */
  upserted: PointKey[];
  deleted: PointKey[];
}

/**
 * The change log: one row per committed write operation, in commit order,
 * which is what subscriptions replay from (src/live/). Rows are written only
 * by the function folioql_record_changes (see its migration), which takes the
 * write lock before it draws the id: so ids are handed out in the order the
 * transactions commit, and a reader never sees an id before a smaller one
 * that is still to commit. Rows older than the retention are deleted.
 */
export const changeEvents = pgTable(
  'folioql_changes',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    /** When the change was recorded, just before its commit (epoch ms). */
    committedAt: epochMillis('committed_at').notNull(),
    trades: jsonb('trades').$type<TradeChanges>(),
    history: jsonb('history').$type<HistoryChanges>(),
  },
  (table) => [index('folioql_changes_committed_at_idx').on(table.committedAt)],
);

/** One row: the largest id ever pruned from the change log; cursors at or after it can be resumed. */
export const changeHorizon = pgTable(
  'folioql_change_horizon',
  {
    only: boolean('only').primaryKey().default(true),
    prunedThrough: bigint('pruned_through', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
  },
  (table) => [check('folioql_change_horizon_one_row', sql`${table.only}`)],
);

export type Trade = typeof trades.$inferSelect;
export type PortfolioHistoryPoint = typeof portfolioHistory.$inferSelect;
