/**
 * One description per column of a table, next to its queries (trades.ts,
 * portfolio-history.ts): what GraphQL calls it and says about it, whether it
 * can be filtered, sorted and written. From a table and its description come
 * the where compiler and the sort fields here, and the GraphQL object fields,
 * where input, write input and order enum in src/schema/columns.ts. A column
 * added to a table does not compile until it has a description.
 *
 * The GraphQL types are not written here: they follow from the column's SQL
 * type (src/schema/columns.ts), so nothing in db/ imports schema/.
 */
import { getTableColumns, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { checkWellFormed } from '../input-values.ts';
import { columnConditions, compileWhere, type Combinable, type Comparisons } from './filters.ts';
import type { CursorValueKind, SortField } from './keyset.ts';

export interface ColumnDescription {
  /** The field's description on the object type. */
  description: string;
  /** The column can be filtered on in the table's where input. */
  filter?: {
    description: string;
    /** The filter's name, if not the column's (is_buy is filtered as `side`). */
    name?: string;
    /**
     * Turns a GraphQL value into the column's; it may throw a clear error.
     * By default: text is refused with a lone surrogate, epoch milliseconds
     * become BIGINT text, other values pass as they are.
     */
    toDatabase?: (value: never, path: string) => unknown;
  };
  /** The column can order a list: what each direction means. */
  sort?: { asc: string; desc: string };
  /** The column is a field of the table's write input (and so of its upsert). */
  input?: { description: string };
}

/** A description for every column of the table: a column added to it does not compile until described. */
export type TableDescription<Table extends PgTable> = {
  [Property in keyof Table['_']['columns'] & string]: ColumnDescription;
};

/** The described columns in table order, each with its Drizzle column. */
export function describedColumns<Table extends PgTable>(table: Table, description: TableDescription<Table>) {
  return Object.entries(getTableColumns(table) as Record<string, PgColumn>).map(([property, column]) => ({
    property,
    column,
    ...(description as Record<string, ColumnDescription>)[property]!,
  }));
}

/** A where input as the compiler reads it: per filter name, the comparisons; and `and` / `or`. */
export interface WhereShape extends Combinable<WhereShape> {
  [name: string]: Comparisons<unknown> | readonly WhereShape[] | null | undefined;
}

/** The SQL of a where input on the table, or undefined for one with no condition. */
export function whereCompiler<Table extends PgTable>(table: Table, description: TableDescription<Table>) {
  const filters = describedColumns(table, description).flatMap(({ property, column, filter }) =>
    filter
      ? [
          {
            name: filter.name ?? property,
            column,
            toDatabase: filter.toDatabase ?? defaultToDatabase(column),
          },
        ]
      : [],
  );
  return (where: WhereShape, path: string): SQL | undefined =>
    compileWhere(where, path, (branch, at) =>
      filters.flatMap(({ name, column, toDatabase }) =>
        columnConditions(column, branch[name] as Comparisons<never>, `${at}.${name}`, (value) =>
          toDatabase(value, `${at}.${name}`),
        ),
      ),
    );
}

function defaultToDatabase(column: PgColumn): (value: never, path: string) => unknown {
  switch (column.columnType) {
    case 'PgText':
      // A text with a lone surrogate would match U+FFFD.
      return (value: string | number, path) => {
        const text = String(value);
        checkWellFormed(text, path);
        return text;
      };
    case 'PgBigIntString':
      return (value: number) => String(value);
    default:
      return (value) => value;
  }
}

/** The columns the table's lists may be ordered by, by property name. */
export function sortFieldsOf<Table extends PgTable>(
  table: Table,
  description: TableDescription<Table>,
): Record<string, SortField<InferSelectModel<Table>>> {
  return Object.fromEntries(
    describedColumns(table, description).flatMap(({ property, column, sort }) =>
      sort
        ? [
            [
              property,
              {
                column,
                property: property as keyof InferSelectModel<Table> & string,
                kind: cursorKindOf(column),
              },
            ],
          ]
        : [],
    ),
  );
}

/** How a column's values are written into cursors. */
export function cursorKindOf(column: PgColumn): CursorValueKind {
  const kind = (
    {
      PgText: 'text',
      PgBigIntString: 'bigint',
      PgNumeric: 'decimal',
      PgSerial: 'integer',
      PgInteger: 'integer',
    } as const
  )[column.columnType as 'PgText'];
  if (!kind) throw new Error(`${column.name}, a ${column.columnType} column, cannot order a list`);
  return kind;
}

/** The properties the table's write input fills, in table order: its upsert column list. */
export function writableColumnsOf<Table extends PgTable>(table: Table, description: TableDescription<Table>) {
  return describedColumns(table, description)
    .filter(({ input }) => input)
    .map(({ property }) => property as keyof InferSelectModel<Table> & string);
}
