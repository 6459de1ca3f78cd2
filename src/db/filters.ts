/**
 * Compiles filter inputs (per column an object of operators: `eq`, `in`,
 * `gt`, `gte`, `lt`, `lte`, combined with `and` / `or`) to parameterised SQL
 * on drizzle columns. The GraphQL input types are src/schema/filters.ts.
 */
import { and, eq, gt, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { badUserInput } from '../errors.ts';

/** Most values one `in` list may hold. */
export const IN_LIST_MAX = 1000;
/** How deep `and` / `or` may nest. */
export const WHERE_DEPTH_MAX = 5;
/** Most conditions (operators) one where may hold in all. */
export const WHERE_CONDITIONS_MAX = 100;

export interface Comparisons<Value> {
  eq?: Value | null;
  in?: readonly Value[] | null;
  gt?: Value | null;
  gte?: Value | null;
  lt?: Value | null;
  lte?: Value | null;
}

/**
 * The SQL conditions of one column's filter. `toDatabase` turns a GraphQL
 * value into the column's value (e.g. epoch milliseconds into BIGINT text);
 * it may throw a clear error for a value the column cannot hold.
 */
export function columnConditions<Value>(
  column: PgColumn,
  filter: Comparisons<Value> | null | undefined,
  path: string,
  toDatabase: (value: Value) => unknown = (value) => value,
): SQL[] {
  if (!filter) return [];
  const conditions: SQL[] = [];
  if (filter.eq != null) conditions.push(eq(column, toDatabase(filter.eq)));
  if (filter.in != null) {
    if (filter.in.length > IN_LIST_MAX) {
      throw badUserInput(`${path}.in has ${filter.in.length} values; at most ${IN_LIST_MAX} are allowed`);
    }
    // One array parameter however long the list (PostgreSQL allows 65,535 parameters).
    const values = filter.in.map((value) => String(toDatabase(value)));
    conditions.push(
      sql`${column} = any(${sql.param(values)}::text[]::${sql.raw(arrayElementType(column))}[])`,
    );
  }
  if (filter.gt != null) conditions.push(gt(column, toDatabase(filter.gt)));
  if (filter.gte != null) conditions.push(gte(column, toDatabase(filter.gte)));
  if (filter.lt != null) conditions.push(lt(column, toDatabase(filter.lt)));
  if (filter.lte != null) conditions.push(lte(column, toDatabase(filter.lte)));
  return conditions;
}

/** The type to cast an array of the column's values to: serial columns hold plain integers. */
function arrayElementType(column: PgColumn): string {
  const type = column.getSQLType();
  return { serial: 'integer', bigserial: 'bigint', smallserial: 'smallint' }[type] ?? type;
}

export interface Combinable<Where> {
  and?: readonly Where[] | null;
  or?: readonly Where[] | null;
}

/**
 * Compiles a where input: its own column conditions, ANDed with its `and`
 * list and its `or` list. Returns undefined for a where with no condition at
 * all. A branch inside `and`/`or` with no condition is an error, not "true":
 * `or: [{ market: … }, {}]` would otherwise match every row; so is `or: []`.
 */
export function compileWhere<Where extends Combinable<Where>>(
  where: Where,
  path: string,
  columnsOf: (where: Where, path: string) => SQL[],
): SQL | undefined {
  let conditions = 0;
  const compile = (branch: Where, branchPath: string, depth: number): SQL | undefined => {
    if (depth > WHERE_DEPTH_MAX)
      throw badUserInput(`${path} nests and/or deeper than ${WHERE_DEPTH_MAX} levels`);
    const own = columnsOf(branch, branchPath);
    conditions += own.length;
    if (conditions > WHERE_CONDITIONS_MAX) {
      throw badUserInput(`${path} has more than ${WHERE_CONDITIONS_MAX} conditions`);
    }
    const branches = (list: readonly Where[] | null | undefined, name: 'and' | 'or') => {
      // An empty `or` would read as "no condition", so as everything: a list built empty by mistake.
      if (name === 'or' && list?.length === 0)
        throw badUserInput(`${branchPath}.or is empty; leave it out instead`);
      return (list ?? []).map((inner, index) => {
        const innerPath = `${branchPath}.${name}[${index}]`;
        const compiled = compile(inner, innerPath, depth + 1);
        if (!compiled) throw badUserInput(`${innerPath} has no condition`);
        return compiled;
      });
    };
    const andBranches = branches(branch.and, 'and');
    const orBranches = branches(branch.or, 'or');
    return and(...own, ...andBranches, orBranches.length > 0 ? or(...orBranches) : undefined);
  };
  return compile(where, path, 0);
}
