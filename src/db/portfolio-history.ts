/**
 * The statements that read and delete history points: the range of one
 * interval length, compiled where inputs, what points may be ordered by, and
 * the guarded delete. Writes: bulk-upsert.ts. The GraphQL of history points
 * is src/schema/portfolio-history.ts.
 */
import { and, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import { badUserInput } from '../errors.ts';
import type { Database } from './database.ts';
import { columnConditions, compileWhere, type Comparisons } from './filters.ts';
import type { SortField } from './keyset.ts';
import { portfolioHistory, type IntervalValue, type PortfolioHistoryPoint } from './schema.ts';

type HistoryColumns = typeof portfolioHistory._.columns;
/** The NUMERIC(48,18) columns of a history point, read off the table definition. */
export type DecimalColumn = {
  [Column in keyof HistoryColumns]: HistoryColumns[Column]['_']['dataType'] extends 'string numeric'
    ? Column
    : never;
}[keyof HistoryColumns];

/** The NUMERIC(48,18) columns of a history point, in table order. */
export const decimalColumns = [
  'usdTotalValue',
  'usdHeld',
  'intervalPctReturn',
  'benchmarkBtcValue',
  'benchmarkBtcIntervalPctReturn',
  'benchmarkEthValue',
  'benchmarkEthIntervalPctReturn',
] as const satisfies readonly DecimalColumn[];
// A NUMERIC column added to the table does not compile until it is listed above.
const everyDecimalColumn: Exclude<DecimalColumn, (typeof decimalColumns)[number]> extends never
  ? true
  : never = true;
void everyDecimalColumn;

export interface HistoryWhere {
  id?: Comparisons<string | number> | null;
  timestamp?: Comparisons<number> | null;
  market?: Comparisons<NonNullable<PortfolioHistoryPoint['market']>> | null;
  interval?: Comparisons<IntervalValue> | null;
  usdTotalValue?: Comparisons<string> | null;
  usdHeld?: Comparisons<string> | null;
  intervalPctReturn?: Comparisons<string> | null;
  benchmarkBtcValue?: Comparisons<string> | null;
  benchmarkBtcIntervalPctReturn?: Comparisons<string> | null;
  benchmarkEthValue?: Comparisons<string> | null;
  benchmarkEthIntervalPctReturn?: Comparisons<string> | null;
  and?: readonly HistoryWhere[] | null;
  or?: readonly HistoryWhere[] | null;
}

function historyIdValue(path: string) {
  return (id: string | number) => {
    const value = /^[1-9]\d{0,9}$/.test(String(id)) ? Number(id) : Number.NaN;
    if (!(value <= 2_147_483_647)) {
      throw badUserInput(`${path}: "${id}" is not a history point id`);
    }
    return value;
  };
}

/** The SQL of a PortfolioHistoryWhere, or undefined for one with no condition. */
export function compileHistoryWhere(where: HistoryWhere, path: string) {
  return compileWhere(where, path, (branch, at) => [
    ...columnConditions(portfolioHistory.id, branch.id, `${at}.id`, historyIdValue(`${at}.id`)),
    ...columnConditions(portfolioHistory.timestamp, branch.timestamp, `${at}.timestamp`, String),
    ...columnConditions(portfolioHistory.market, branch.market, `${at}.market`),
    ...columnConditions(portfolioHistory.interval, branch.interval, `${at}.interval`),
    ...decimalColumns.flatMap((name) =>
      columnConditions(portfolioHistory[name], branch[name], `${at}.${name}`),
    ),
  ]);
}

/** The columns history points may be ordered by. */
export const historySortFields: Record<string, SortField<PortfolioHistoryPoint>> = {
  timestamp: { column: portfolioHistory.timestamp, property: 'timestamp', kind: 'bigint' },
};
/** The unique key every ordering of history points ends in. */
export const historyIdKey: SortField<PortfolioHistoryPoint> = {
  column: portfolioHistory.id,
  property: 'id',
  kind: 'integer',
};

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
export async function deleteHistoryPoints(db: Database, condition: SQL, atMost: number): Promise<number[]> {
  const candidates = db
    .select({ id: portfolioHistory.id })
    .from(portfolioHistory)
    .where(condition)
    .limit(atMost + 1);
  const deleted = await db
    .delete(portfolioHistory)
    .where(inArray(portfolioHistory.id, candidates))
    .returning({ id: portfolioHistory.id });
  return deleted.map((row) => row.id);
}
