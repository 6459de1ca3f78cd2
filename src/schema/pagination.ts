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
import { parseDecimal } from '../input-values.ts';

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

/**
 * The ordering a client asked for, as `field_direction` values such as
 * 'usdValue_desc', with `tieBreak` (a unique column, ascending) appended.
 */
export function orderingOf<Row>(
  chosen: readonly string[],
  fields: Record<string, SortField<Row>>,
  tieBreak: SortField<Row>,
  argument: string,
): Ordering<Row> {
  const seen = new Set<string>();
  const keys = chosen.map((choice) => {
    const at = choice.lastIndexOf('_');
    const [field, direction] = [choice.slice(0, at), choice.slice(at + 1) as 'asc' | 'desc'];
    if (seen.has(field)) throw badUserInput(`${argument} orders by ${field} twice`);
    seen.add(field);
    return { ...fields[field]!, direction };
  });
  return { name: chosen.join(','), keys: [...keys, { ...tieBreak, direction: 'asc' }] };
}

export interface PageSizeLimits {
  defaultSize: number;
  maxSize: number;
}

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

export interface KeysetPageOptions<Row> {
  args: DefaultConnectionArguments;
  /** "Type.field", for error messages. */
  fieldName: string;
  ordering: Ordering<Row>;
  limits: PageSizeLimits;
  /** Reads one page (directly, or through a batching loader). */
  fetch: (page: PageRequest) => Promise<Row[]>;
  /** Counts every row of the list; called only if `totalCount` is selected. */
  count: () => Promise<number>;
}

export async function resolveKeysetPage<Row>({
  args,
  fieldName,
  ordering,
  limits,
  fetch,
  count,
}: KeysetPageOptions<Row>) {
  checkPageSize(args, 'first', fieldName, limits.maxSize);
  checkPageSize(args, 'last', fieldName, limits.maxSize);
  if (args.first != null && args.last != null) {
    throw badUserInput(
      `${fieldName} takes "first" or "last", not both: page forward with first/after, backward with last/before`,
    );
  }
  const decode = (cursor: string | undefined, argument: string) =>
    cursor === undefined ? undefined : decodeCursor(ordering, cursor, argument, fieldName);

  const connection = await resolveCursorConnection<Promise<Row[]>>(
    // Cursors are written below, and only those a client selects.
    { args, ...limits, toCursor: () => '' },
    ({ after, before, limit, inverted }) =>
      fetch({ after: decode(after, 'after'), before: decode(before, 'before'), limit, inverted }),
  );

  const edges = connection.edges.map((edge) => edge && new LazyEdge(ordering, edge.node));
  return {
    ...connection,
    edges,
    // The Relay spec wants null cursors on an empty page, not "".
    pageInfo: {
      ...connection.pageInfo,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: count,
  };
}

export interface KeysetConnectionOptions<Table extends PgTable> {
  db: Database;
  /** The table listed: each page is one SELECT on it, `totalCount` one count. */
  table: Table;
  args: DefaultConnectionArguments;
  fieldName: string;
  ordering: Ordering<InferSelectModel<Table>>;
  limits: PageSizeLimits;
  /** Conditions every page shares; also what `totalCount` counts. */
  filter: SQL | undefined;
}

/** A connection over a whole table: one SELECT per page. */
export function resolveKeysetConnection<Table extends PgTable>({
  db,
  table,
  filter,
  ...options
}: KeysetConnectionOptions<Table>) {
  type Row = InferSelectModel<Table>;
  return resolveKeysetPage<Row>({
    ...options,
    fetch: async (page) => {
      const { position, orderBy } = pageConditions(options.ordering, page);
      const rows = await db
        .select()
        .from(table as PgTable)
        .where(and(filter, position))
        .orderBy(...orderBy)
        .limit(page.limit);
      return rows as Row[];
    },
    count: () => db.$count(table, filter),
  });
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

/**
 * An edge whose cursor is written when read: a page of nodes without
 * `edges { cursor }` (most pages) then costs no cursor at all. A class, so
 * the getter is shared rather than made for every edge.
 */
class LazyEdge<Row> {
  constructor(
    private readonly ordering: Ordering<Row>,
    readonly node: Row,
  ) {}

  get cursor(): string {
    return encodeCursor(this.ordering, this.node);
  }
}

export function encodeCursor<Row>(ordering: Ordering<Row>, row: Row): string {
  const values = ordering.keys.map((key) => row[key.property] as CursorValue);
  return Buffer.from(JSON.stringify([ordering.name, ...values])).toString('base64url');
}

const BIGINT_MAX = 2n ** 63n - 1n;
const INTEGER_MAX = 2 ** 31 - 1;

function isDecimal(value: unknown): boolean {
  try {
    return typeof value === 'string' && parseDecimal(value) === value;
  } catch {
    return false;
  }
}

/** Whether a decoded value fits the column: out of range would be a database error, not a cursor error. */
const valueCheckers: Record<CursorValueKind, (value: unknown) => boolean> = {
  bigint: (value) =>
    typeof value === 'string' &&
    /^-?\d{1,19}$/.test(value) &&
    BigInt(value) <= BIGINT_MAX &&
    BigInt(value) >= -BIGINT_MAX - 1n,
  integer: (value) => Number.isInteger(value) && Math.abs(value as number) <= INTEGER_MAX,
  text: (value) => typeof value === 'string' && !value.includes('\u0000'),
  decimal: isDecimal,
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
