/**
 * Keyset (cursor) paging in SQL.
 *
 * A page is `WHERE <filter> AND <position after/before the cursor> ORDER BY
 * <keys> LIMIT n+1`: the cost does not grow with how deep a client pages, and
 * rows inserted meanwhile neither repeat nor vanish. Every ordering ends in a
 * unique key, so equal sort values still have one fixed order.
 *
 * Cursors themselves (their encoding, and refusing a bad one) are GraphQL's:
 * src/schema/pagination.ts.
 */
import { and, asc, desc, eq, gt, gte, lt, lte, or, sql, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './database.ts';

export type CursorValue = string | number;

/** How a key's value is written into a cursor and checked when it comes back. */
export type CursorValueKind = 'bigint' | 'integer' | 'text' | 'decimal';

export interface SortKey<Row> {
  column: PgColumn;
  /** The row property the column is read into (e.g. usdValue for usd_value). */
  property: keyof Row & string;
  direction: 'asc' | 'desc';
  kind: CursorValueKind;
}

export interface Ordering<Row> {
  /** Written into every cursor, e.g. "timestamp_desc". */
  name: string;
  /** Sort keys, the last of them unique, none of them nullable. */
  keys: readonly SortKey<Row>[];
}

/** A column a client may order by, without its direction. */
export type SortField<Row> = Omit<SortKey<Row>, 'direction'>;

/** One page to read: decoded cursor positions, how many rows, and which way. */
export interface PageRequest {
  after?: CursorValue[];
  before?: CursorValue[];
  /** One more than the page size, to know whether another page follows. */
  limit: number;
  /** Read from the end (last/before); rows come back reversed. */
  inverted: boolean;
}

/** The WHERE and ORDER BY of a page: for one query, or for every window of a batched one. */
export function pageConditions<Row>(ordering: Ordering<Row>, page: PageRequest) {
  return {
    position: and(
      page.after ? keysetCondition(ordering, page.after, true) : undefined,
      page.before ? keysetCondition(ordering, page.before, false) : undefined,
    ),
    orderBy: ordering.keys.map(({ column, direction }) =>
      (direction === 'asc') !== page.inverted ? asc(column) : desc(column),
    ),
  };
}

/** One page of a whole table: a single SELECT. */
export async function selectPage<Table extends PgTable>(
  db: Database,
  table: Table,
  filter: SQL | undefined,
  ordering: Ordering<InferSelectModel<Table>>,
  page: PageRequest,
): Promise<InferSelectModel<Table>[]> {
  const { position, orderBy } = pageConditions(ordering, page);
  const rows = await db
    .select()
    .from(table as PgTable)
    .where(and(filter, position))
    .orderBy(...orderBy)
    .limit(page.limit);
  return rows as InferSelectModel<Table>[];
}

/** How many rows of the table meet the filter (what `totalCount` counts). */
export function countRows(db: Database, table: PgTable, filter: SQL | undefined): Promise<number> {
  return db.$count(table, filter);
}

/**
 * Rows strictly after (or before) the cursor's position in the ordering.
 * When all keys run one way this is a row comparison, which PostgreSQL turns
 * into a single index range. Mixed directions need the expanded form
 * `(a < x) OR (a = x AND b > y)`, led by the redundant `a <= x` that gives
 * the index scan its range.
 */
function keysetCondition<Row>(ordering: Ordering<Row>, values: CursorValue[], after: boolean): SQL {
  const { keys } = ordering;
  const ascending = (key: SortKey<Row>) => (key.direction === 'asc') === after;
  if (keys.every((key) => key.direction === keys[0]!.direction)) {
    const columns = sql.join(
      keys.map((key) => key.column),
      sql`, `,
    );
    const cursor = sql.join(
      values.map((value) => sql`${value}`),
      sql`, `,
    );
    return ascending(keys[0]!) ? sql`(${columns}) > (${cursor})` : sql`(${columns}) < (${cursor})`;
  }
  const alternatives = keys.map((key, i) =>
    and(
      ...keys.slice(0, i).map((earlier, j) => eq(earlier.column, values[j])),
      ascending(key) ? gt(key.column, values[i]) : lt(key.column, values[i]),
    ),
  );
  const first = keys[0]!;
  const range = ascending(first) ? gte(first.column, values[0]) : lte(first.column, values[0]);
  return and(range, or(...alternatives))!;
}
