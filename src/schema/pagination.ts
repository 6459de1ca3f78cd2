/**
 * Keyset (cursor) pagination for Relay connections.
 *
 * A page is `WHERE <filter> AND <position after/before the cursor> ORDER BY
 * <keys> LIMIT n+1`: the cost does not grow with how deep a client pages, and
 * rows inserted meanwhile neither repeat nor vanish. Every ordering ends in a
 * unique key, so equal sort values still have one fixed order.
 *
 * A cursor is base64url JSON: the ordering's name, then the row's key values.
 * The name lets us refuse a cursor issued under another ordering rather than
 * silently page from a meaningless position.
 */
import { resolveCursorConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import { and, asc, desc, eq, gt, gte, lt, lte, or, sql, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../db/database.ts';
import { badUserInput } from '../errors.ts';

type CursorValue = string | number;

/** How a key's value is written into a cursor and checked when it comes back. */
export type CursorValueKind = 'bigint' | 'integer' | 'text';

export interface SortKey<Row> {
  column: PgColumn;
  direction: 'asc' | 'desc';
  kind: CursorValueKind;
  value: (row: Row) => CursorValue;
}

export interface Ordering<Row> {
  /** Written into every cursor, e.g. "timestamp_asc". */
  name: string;
  /** Sort keys, the last of them unique, none of them nullable. */
  keys: readonly SortKey<Row>[];
}

export interface PageSizeLimits {
  defaultSize: number;
  maxSize: number;
}

export interface KeysetConnectionOptions<Table extends PgTable> {
  db: Database;
  /** The table listed: each page is one SELECT on it, `totalCount` one count. */
  table: Table;
  args: DefaultConnectionArguments;
  /** "Type.field", for error messages. */
  fieldName: string;
  ordering: Ordering<InferSelectModel<Table>>;
  limits: PageSizeLimits;
  /** Conditions every page shares; also what `totalCount` counts. */
  filter: SQL | undefined;
}

export async function resolveKeysetConnection<Table extends PgTable>(
  options: KeysetConnectionOptions<Table>,
) {
  type Row = InferSelectModel<Table>;
  const { db, table, args, fieldName, ordering, limits, filter } = options;
  checkPageSize(args, 'first', fieldName, limits.maxSize);
  checkPageSize(args, 'last', fieldName, limits.maxSize);
  if (args.first != null && args.last != null) {
    throw badUserInput(
      `${fieldName} takes "first" or "last", not both: page forward with first/after, backward with last/before`,
    );
  }

  const connection = await resolveCursorConnection<Promise<Row[]>>(
    { args, ...limits, toCursor: (row) => encodeCursor(ordering, row) },
    async ({ after, before, limit, inverted }) => {
      const position = (cursor: string | undefined, argument: 'after' | 'before') =>
        cursor === undefined
          ? undefined
          : keysetCondition(
              ordering,
              decodeCursor(ordering, cursor, argument, fieldName),
              argument === 'after',
            );
      const rows = await db
        .select()
        .from(table as PgTable)
        .where(and(filter, position(after, 'after'), position(before, 'before')))
        .orderBy(
          ...ordering.keys.map(({ column, direction }) =>
            (direction === 'asc') !== inverted ? asc(column) : desc(column),
          ),
        )
        .limit(limit);
      return rows as Row[];
    },
  );

  const empty = connection.edges.length === 0;
  return {
    ...connection,
    // The Relay spec wants null cursors on an empty page, not "".
    pageInfo: {
      ...connection.pageInfo,
      startCursor: empty ? null : connection.pageInfo.startCursor,
      endCursor: empty ? null : connection.pageInfo.endCursor,
    },
    totalCount: () => db.$count(table, filter),
  };
}

function checkPageSize(
  args: DefaultConnectionArguments,
  name: 'first' | 'last',
  fieldName: string,
  max: number,
) {
  const size = args[name];
  if (size != null && (size < 0 || size > max)) {
    throw badUserInput(`Argument "${name}" of ${fieldName} must be from 0 to ${max}, got ${size}`);
  }
}

export function encodeCursor<Row>(ordering: Ordering<Row>, row: Row): string {
  const values = ordering.keys.map((key) => key.value(row));
  return Buffer.from(JSON.stringify([ordering.name, ...values])).toString('base64url');
}

const BIGINT_MAX = 2n ** 63n - 1n;
const INTEGER_MAX = 2 ** 31 - 1;

/** Whether a decoded value fits the column: out of range would be a database error, not a cursor error. */
const valueCheckers: Record<CursorValueKind, (value: unknown) => boolean> = {
  bigint: (value) =>
    typeof value === 'string' &&
    /^-?\d{1,19}$/.test(value) &&
    BigInt(value) <= BIGINT_MAX &&
    BigInt(value) >= -BIGINT_MAX - 1n,
  integer: (value) => Number.isInteger(value) && Math.abs(value as number) <= INTEGER_MAX,
  text: (value) => typeof value === 'string' && !value.includes('\u0000'),
};

export function decodeCursor<Row>(
  ordering: Ordering<Row>,
  cursor: string,
  argument: string,
  fieldName: string,
): CursorValue[] {
  const invalid = (reason: string) =>
    badUserInput(`Argument "${argument}" of ${fieldName} is not a valid cursor: ${reason}`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('it was not issued by this API; use a cursor from a previous page');
  }
  if (!Array.isArray(decoded) || typeof decoded[0] !== 'string') {
    throw invalid('it was not issued by this API; use a cursor from a previous page');
  }
  const [name, ...values] = decoded as [string, ...unknown[]];
  if (name !== ordering.name) {
    throw invalid(
      `it belongs to the ordering "${name}", not "${ordering.name}"; start again without a cursor`,
    );
  }
  if (
    values.length !== ordering.keys.length ||
    !ordering.keys.every((key, i) => valueCheckers[key.kind](values[i]))
  ) {
    throw invalid('its values do not fit this ordering; use a cursor from a previous page');
  }
  return values as CursorValue[];
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
