/**
 * Filter inputs in the style Hasura and PostgREST users know: per column an
 * object of operators (`eq`, `in`, `gt`, `gte`, `lt`, `lte`), combined with
 * `and` / `or`. Each compiles to parameterised SQL on a drizzle column.
 */
import { and, eq, gt, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';
import { Interval, Market, Side } from './enums.ts';
import { Decimal, EpochMillis } from './scalars.ts';

/** Most values one `in` list may hold. */
export const IN_LIST_MAX = 1000;
/** How deep `and` / `or` may nest. */
export const WHERE_DEPTH_MAX = 5;
/** Most conditions (operators) one where may hold in all. */
export const WHERE_CONDITIONS_MAX = 100;

export const IDFilter = builder.inputType('IDFilter', {
  description: 'Conditions on an id.',
  fields: (t) => ({
    eq: t.id({ description: 'Equal to this id.' }),
    in: t.idList({ description: `One of these ids (at most ${IN_LIST_MAX}).` }),
  }),
});

export const EpochMillisFilter = builder.inputType('EpochMillisFilter', {
  description: 'Conditions on an instant in epoch milliseconds; all given must hold.',
  fields: (t) => ({
    eq: t.field({ type: EpochMillis, description: 'Equal to.' }),
    in: t.field({ type: [EpochMillis], description: `One of (at most ${IN_LIST_MAX}).` }),
    gt: t.field({ type: EpochMillis, description: 'Later than.' }),
    gte: t.field({ type: EpochMillis, description: 'At or later than.' }),
    lt: t.field({ type: EpochMillis, description: 'Earlier than.' }),
    lte: t.field({ type: EpochMillis, description: 'At or earlier than.' }),
  }),
});

export const DecimalFilter = builder.inputType('DecimalFilter', {
  description: 'Conditions on an exact decimal, compared as numbers (1.50 equals 1.5); all given must hold.',
  fields: (t) => ({
    eq: t.field({ type: Decimal, description: 'Equal to.' }),
    in: t.field({ type: [Decimal], description: `One of (at most ${IN_LIST_MAX}).` }),
    gt: t.field({ type: Decimal, description: 'Greater than.' }),
    gte: t.field({ type: Decimal, description: 'Greater than or equal to.' }),
    lt: t.field({ type: Decimal, description: 'Less than.' }),
    lte: t.field({ type: Decimal, description: 'Less than or equal to.' }),
  }),
});

export const StringFilter = builder.inputType('StringFilter', {
  description: 'Conditions on a text, compared exactly (case and all).',
  fields: (t) => ({
    eq: t.string({ description: 'Equal to.' }),
    in: t.stringList({ description: `One of (at most ${IN_LIST_MAX}).` }),
  }),
});

export const SideFilter = builder.inputType('SideFilter', {
  description: 'Conditions on the side of a trade.',
  fields: (t) => ({
    eq: t.field({ type: Side, description: 'This side.' }),
    in: t.field({ type: [Side], description: 'One of these sides.' }),
  }),
});

export const MarketFilter = builder.inputType('MarketFilter', {
  description: 'Conditions on a market.',
  fields: (t) => ({
    eq: t.field({ type: Market, description: 'This market.' }),
    in: t.field({ type: [Market], description: 'One of these markets.' }),
  }),
});

export const IntervalFilter = builder.inputType('IntervalFilter', {
  description: 'Conditions on an interval length.',
  fields: (t) => ({
    eq: t.field({ type: Interval, description: 'This interval.' }),
    in: t.field({ type: [Interval], description: 'One of these intervals.' }),
  }),
});

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
