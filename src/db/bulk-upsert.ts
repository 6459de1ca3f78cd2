/**
 * Upserts any number of rows in one statement:
 *
 *   INSERT INTO t (c1, …) SELECT … FROM unnest($1::text[], …) AS input(c1, …)
 *   ON CONFLICT (key) DO UPDATE SET c = excluded.c, …
 *   WHERE (t.c1, …) IS DISTINCT FROM (excluded.c1, …)
 *
 * One array parameter per column, so 10,000 rows take ten parameters rather
 * than 100,000 (PostgreSQL allows 65,535); every value travels as text and
 * PostgreSQL parses it into the column's type, so NUMERIC and BIGINT values
 * stay exact. Rows whose values would not change are left alone: not
 * rewritten, and counted as unchanged.
 */
import { getTableColumns, sql, type InferSelectModel, type SQLChunk } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './database.ts';

export interface UpsertCounts {
  inserted: number;
  updated: number;
  /** Rows whose stored values already equalled the input. */
  unchanged: number;
}

type Value = string | number | boolean | null | undefined;

function asText(value: Value): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** A row's conflict key as one string, to match rows written with rows sent. */
function keyOf(row: Record<string, unknown>, key: readonly string[]): string {
  return JSON.stringify(key.map((name) => asText(row[name] as Value)));
}

export interface UpsertOptions<Row> {
  /** The table's property names to write. */
  columns: readonly (keyof Row & string)[];
  /** The property names of the conflict target (a unique constraint). */
  key: readonly (keyof Row & string)[];
  /** Columns that do not make a row "changed" on their own (e.g. a write time). */
  ignoreInChangeCheck?: readonly (keyof Row & string)[];
  /** No two rows with one key: the caller checks, with an error that names them. */
  rows: readonly Row[];
  /** 'rows' also returns every row sent, as now stored, in the order sent; 'counts' does not. */
  returning: 'rows' | 'counts';
  /** Columns returned for every row inserted or changed (not the unchanged ones), for the change log. */
  changedColumns: readonly string[];
}

export async function bulkUpsert<Table extends PgTable, Row extends Record<string, Value>>(
  db: Database,
  table: Table,
  { columns, key, ignoreInChangeCheck = [], rows, returning, changedColumns }: UpsertOptions<Row>,
): Promise<{ counts: UpsertCounts; rows: InferSelectModel<Table>[]; changed: Record<string, unknown>[] }> {
  const tableColumns = getTableColumns(table) as Record<string, PgColumn>;
  const column = (name: string) => {
    const found = tableColumns[name];
    if (!found) throw new Error(`${name} is not a column of this table`);
    return found;
  };
  const list = (items: SQLChunk[]) => sql.join(items, sql`, `);

  /** `unnest(…) AS input(…)` over the given columns of the given rows, each value as text. */
  const unnestInput = (names: readonly string[], from: readonly Row[]) =>
    sql`unnest(${list(names.map((name) => sql`${sql.param(from.map((row) => asText(row[name])))}::text[]`))}) as input(${list(names.map((name) => sql.identifier(column(name).name)))})`;
  /** `input.c::type`: PostgreSQL parses the text into the column's type. */
  const typed = (name: string) =>
    sql`input.${sql.identifier(column(name).name)}::${sql.raw(column(name).getSQLType())}`;

  // One lock order for every batch: overlapping concurrent batches cannot
  // deadlock. Each row's key is worked out once, not at every comparison.
  const sorted = rows
    .map((row) => [keyOf(row, key), row] as const)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, row]) => row);
  const selection = Object.fromEntries(columns.map((name) => [name, typed(name).as(column(name).name)]));
  const updated = columns.filter((name) => !key.includes(name));
  const compared = updated.filter((name) => !ignoreInChangeCheck.includes(name));
  const excluded = (name: string) => sql`excluded.${sql.identifier(column(name).name)}`;

  const writtenRows = (await db
    .insert(table)
    .select((qb) => qb.select(selection).from(unnestInput(columns, sorted)) as never)
    .onConflictDoUpdate({
      target: key.map(column),
      set: Object.fromEntries(updated.map((name) => [name, excluded(name)])) as never,
      setWhere: sql`(${list(compared.map((name) => sql`${column(name)}`))}) is distinct from (${list(compared.map(excluded))})`,
    })
    // xmax is 0 on a row version no transaction has updated: a fresh insert.
    .returning({
      ...(returning === 'rows' ? tableColumns : {}),
      changed: sql`json_build_array(${list(changedColumns.map((name) => sql`${column(name)}`))})`,
      inserted: sql<boolean>`(xmax = 0)`,
    } as never)) as unknown as ({ inserted: boolean; changed: unknown } & Record<string, unknown>)[];

  const inserted = writtenRows.filter((row) => row.inserted).length;
  const counts = {
    inserted,
    updated: writtenRows.length - inserted,
    unchanged: rows.length - writtenRows.length,
  };
  const changed = writtenRows.map((row) => {
    // One JSON array per row; a driver may hand JSON back as text.
    const values = (typeof row.changed === 'string' ? JSON.parse(row.changed) : row.changed) as unknown[];
    return Object.fromEntries(changedColumns.map((name, index) => [name, values[index]]));
  });
  if (returning === 'counts') return { counts, rows: [], changed };

  const stored = new Map(writtenRows.map(({ inserted: _, changed: __, ...row }) => [keyOf(row, key), row]));
  const unchanged = sorted.filter((row) => !stored.has(keyOf(row, key)));
  if (unchanged.length > 0) {
    const existing = await db
      .select()
      .from(table as PgTable)
      .where(
        sql`(${list(key.map((name) => sql`${column(name)}`))}) in (select ${list(key.map(typed))} from ${unnestInput(key, unchanged)})`,
      );
    for (const row of existing) stored.set(keyOf(row, key), row);
  }
  return {
    counts,
    rows: rows.map((row) => stored.get(keyOf(row, key)) as InferSelectModel<Table>),
    changed,
  };
}
