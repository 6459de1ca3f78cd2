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
import { getTableColumns, sql, type InferSelectModel, type SQL } from 'drizzle-orm';
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

/**
 * @param columns the table's property names to write, in any order
 * @param key the property names of the conflict target (a unique constraint)
 * @param rows rows to write, sorted by `key`: concurrent batches then lock rows in one order and cannot deadlock
 * @param returning 'rows' also returns the rows written (inserted or updated) as stored; 'counts' does not
 */
export async function bulkUpsert<Table extends PgTable, Row extends Record<string, Value>>(
  db: Database,
  table: Table,
  {
    columns,
    key,
    rows,
    returning,
  }: {
    columns: readonly (keyof Row & string)[];
    key: readonly (keyof Row & string)[];
    rows: readonly Row[];
    returning: 'rows' | 'counts';
  },
): Promise<{ counts: UpsertCounts; written: Map<string, InferSelectModel<Table>> }> {
  const tableColumns = getTableColumns(table) as Record<string, PgColumn>;
  const column = (name: string) => {
    const found = tableColumns[name];
    if (!found) throw new Error(`${name} is not a column of this table`);
    return found;
  };

  const aliases = columns.map((name) => sql.identifier(column(name).name));
  const arrays = columns.map((name) => sql`${sql.param(rows.map((row) => asText(row[name])))}::text[]`);
  const input = sql`unnest(${sql.join(arrays, sql`, `)}) as input(${sql.join(aliases, sql`, `)})`;
  const selection = Object.fromEntries(
    columns.map((name) => {
      const { name: sqlName } = column(name);
      return [name, sql`input.${sql.identifier(sqlName)}::${sql.raw(column(name).getSQLType())}`.as(sqlName)];
    }),
  );

  const updated = columns.filter((name) => !key.includes(name));
  const excluded = (name: string) => sql`excluded.${sql.identifier(column(name).name)}`;
  const list = (items: SQL[]) => sql.join(items, sql`, `);

  const writtenRows = await db
    .insert(table)
    .select((qb) => qb.select(selection).from(input) as never)
    .onConflictDoUpdate({
      target: key.map(column),
      set: Object.fromEntries(updated.map((name) => [name, excluded(name)])) as never,
      setWhere: sql`(${list(updated.map((name) => sql`${column(name)}`))}) is distinct from (${list(updated.map(excluded))})`,
    })
    // xmax is 0 on a row version no transaction has updated: a fresh insert.
    .returning({
      ...(returning === 'rows' ? tableColumns : {}),
      inserted: sql<boolean>`(xmax = 0)`,
    } as never);

  const written = new Map<string, InferSelectModel<Table>>();
  let inserted = 0;
  for (const { inserted: isInsert, ...row } of writtenRows as unknown as ({ inserted: boolean } & Record<
    string,
    unknown
  >)[]) {
    if (isInsert) inserted++;
    if (returning === 'rows') written.set(keyOf(row, key), row as InferSelectModel<Table>);
  }
  return {
    counts: {
      inserted,
      updated: (writtenRows as unknown[]).length - inserted,
      unchanged: rows.length - (writtenRows as unknown[]).length,
    },
    written,
  };
}

/** A row's conflict key as one string, to match rows written with rows sent. */
export function keyOf(row: Record<string, unknown>, key: readonly string[]): string {
  return JSON.stringify(key.map((name) => row[name] ?? null));
}
