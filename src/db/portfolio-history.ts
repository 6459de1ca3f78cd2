/**
 * The statements that read and delete history points: the range of one
 * interval length, compiled where inputs, what points may be ordered by, and
 * the guarded delete. Writes: bulk-upsert.ts. The GraphQL of history points
 * is src/schema/portfolio-history.ts.
 */
import { and, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import { badUserInput } from '../errors.ts';
import type { Database } from './database.ts';
import {
  sortFieldsOf,
  whereCompiler,
  writableColumnsOf,
  type ColumnDescription,
  type TableDescription,
} from './columns.ts';
import type { SortField } from './keyset.ts';
import { portfolioHistory, type IntervalValue, type PortfolioHistoryPoint } from './schema.ts';

/** What each column of portfolio_history is in GraphQL: the point's fields, its where, input and order. */
export const historyColumns = {
  id: {
    description: 'Database id of the point; stable while the point exists.',
    filter: { description: 'The database id.', toDatabase: historyIdValue },
  },
  timestamp: {
    // Shown as `timestamp` and `time` (src/schema/instant-fields.ts).
    description: 'Start of the interval',
    filter: { description: 'The start of the interval.' },
    sort: { asc: 'Oldest first.', desc: 'Newest first.' },
    input: { description: 'Start of the interval.' },
  },
  updatedAt: {
    description: 'When the producer last wrote the point, in epoch milliseconds.',
    // Left out, it is the time of the write (src/schema/portfolio-history-writes.ts).
    input: { description: 'When the producer computed the point; the time of the write when left out.' },
  },
  market: {
    description: 'The market the point describes.',
    filter: { description: 'The market.' },
    input: { description: 'The market.' },
  },
  interval: {
    description: 'The length of the interval.',
    filter: { description: 'The interval length.' },
    input: { description: 'The interval length.' },
  },
  ...decimal(
    'usdTotalValue',
    'Value of the whole portfolio in US dollars at the end of the interval (or now, while it lasts).',
    'Value of the portfolio in US dollars.',
  ),
  ...decimal(
    'usdHeld',
    'The part of the value held in US dollars rather than in other assets.',
    'The part held in US dollars.',
  ),
  ...decimal(
    'intervalPctReturn',
    "The portfolio's return over the interval, in percent (2.5 means +2.5 %).",
    'Return over the interval, in percent.',
  ),
  ...decimal(
    'benchmarkBtcValue',
    'What the portfolio would be worth in US dollars had it been held in BTC instead.',
    'The value had it been held in BTC.',
  ),
  ...decimal(
    'benchmarkBtcIntervalPctReturn',
    "BTC's return over the interval, in percent.",
    "BTC's return over the interval, in percent.",
  ),
  ...decimal(
    'benchmarkEthValue',
    'What the portfolio would be worth in US dollars had it been held in ETH instead.',
    'The value had it been held in ETH.',
  ),
  ...decimal(
    'benchmarkEthIntervalPctReturn',
    "ETH's return over the interval, in percent.",
    "ETH's return over the interval, in percent.",
  ),
} satisfies TableDescription<typeof portfolioHistory>;

/** A NUMERIC value of a point: filtered with the description it has as a field; written with a shorter one. */
function decimal<const Name extends string>(name: Name, description: string, inputDescription: string) {
  return {
    [name]: { description, filter: { description }, input: { description: inputDescription } },
  } as Record<Name, ColumnDescription>;
}

function historyIdValue(id: string | number, path: string) {
  const value = /^[1-9]\d{0,9}$/.test(String(id)) ? Number(id) : Number.NaN;
  if (!(value <= 2_147_483_647)) {
    throw badUserInput(`${path}: "${id}" is not a history point id`);
  }
  return value;
}

/** The SQL of a PortfolioHistoryWhere, or undefined for one with no condition. */
export const compileHistoryWhere = whereCompiler(portfolioHistory, historyColumns);

/** The columns history points may be ordered by. */
export const historySortFields = sortFieldsOf(portfolioHistory, historyColumns);
/** The unique key every ordering of history points ends in. */
export const historyIdKey: SortField<PortfolioHistoryPoint> = {
  column: portfolioHistory.id,
  property: 'id',
  kind: 'integer',
};
/** The columns an upsert of history points writes. */
export const historyWritableColumns = writableColumnsOf(portfolioHistory, historyColumns);

/** The points of one interval length in a time range, optionally of one market. */
export interface HistoryRange {
  interval: IntervalValue;
  market?: PortfolioHistoryPoint['market'];
  from?: number | null;
  to?: number | null;
}

/** The SQL of a HistoryRange. */
export function historyRange(args: HistoryRange) {
  return and(
    eq(portfolioHistory.interval, args.interval),
    args.market ? eq(portfolioHistory.market, args.market) : undefined,
    args.from != null ? gte(portfolioHistory.timestamp, String(args.from)) : undefined,
    args.to != null ? lt(portfolioHistory.timestamp, String(args.to)) : undefined,
  );
}

/** The filter of a list of history points: a range, and a compiled where. */
export function historyListFilter(range: HistoryRange, where: SQL | undefined) {
  return and(historyRange(range), where);
}

/**
 * Deletes the points meeting `condition`, but at most one more than
 * `atMost`: enough for the caller to know the condition is too broad (and
 * throw, rolling the transaction back). Returns the ids deleted.
 */
export async function deleteHistoryPoints(
  db: Database,
  condition: SQL,
  atMost: number,
): Promise<Pick<PortfolioHistoryPoint, 'id' | 'market' | 'interval'>[]> {
  const candidates = db
    .select({ id: portfolioHistory.id })
    .from(portfolioHistory)
    .where(condition)
    .limit(atMost + 1);
  return db.delete(portfolioHistory).where(inArray(portfolioHistory.id, candidates)).returning({
    id: portfolioHistory.id,
    market: portfolioHistory.market,
    interval: portfolioHistory.interval,
  });
}

/** The points with these ids, in no particular order; ids with no point are left out. */
export function selectPointsByIds(db: Database, ids: readonly number[]): Promise<PortfolioHistoryPoint[]> {
  return db
    .select()
    .from(portfolioHistory)
    .where(inArray(portfolioHistory.id, [...ids]));
}
