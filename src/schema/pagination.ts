/**
 * Keyset (cursor) pagination for Relay connections: the GraphQL side. The
 * SQL of a page (position after the cursor, order, limit) is db/keyset.ts.
 *
 * A cursor is base64url JSON: the ordering's name, then the row's key values.
 * The name lets us refuse a cursor issued under another ordering rather than
 * silently page from a meaningless position.
 */
import { resolveCursorConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import type { InferSelectModel, SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../db/database.ts';
import {
  countRows,
  selectPage,
  type CursorValue,
  type CursorValueKind,
  type Ordering,
  type PageRequest,
  type SortField,
} from '../db/keyset.ts';
import { badUserInput } from '../errors.ts';
import { parseDecimal } from '../input-values.ts';
import { builder } from './builder.ts';

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
    fetch: (page) => selectPage(db, table, filter, options.ordering, page),
    count: () => countRows(db, table, filter),
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

/** Fields every connection has, whatever it lists. */
builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description:
      'How many items match the filter across all pages. Costs a count query, run only when selected.',
    resolve: (connection) => connection.totalCount(),
  }),
);
