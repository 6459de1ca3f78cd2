/**
 * The GraphQL of a table, derived from its Drizzle columns and their
 * descriptions (src/db/columns.ts): object fields, where input fields, write
 * input fields and order enum values. The GraphQL type of a column follows
 * from its SQL type, as enums.ts and the push CLI's row readers do; columns
 * that GraphQL shows differently (an instant as `timestamp` and `time`,
 * is_buy also as `side`) are written by hand where the type is defined.
 */
import type {
  FieldRef,
  InputFieldBuilder,
  InputFieldRef,
  InputFieldsFromShape,
  ObjectFieldBuilder,
} from '@pothos/core';
import type { InferSelectModel } from 'drizzle-orm';
import type { PgColumn, PgEnumColumn, PgTable } from 'drizzle-orm/pg-core';
import { describedColumns, type TableDescription } from '../db/columns.ts';
import { graphQLEnumName } from '../input-values.ts';
import type { SchemaTypes } from './builder.ts';
import { Interval, Market } from './enums.ts';
import {
  DecimalFilter,
  EpochMillisFilter,
  IDFilter,
  IntervalFilter,
  MarketFilter,
  StringFilter,
} from './filters.ts';
import { storedEpochMillis, type RowName } from './instant-fields.ts';
import { Decimal, EpochMillis } from './scalars.ts';

type Types = PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>;

/** The GraphQL type of a column's values, and its filter input, by SQL column type. */
const TYPES_OF_COLUMNS = {
  PgText: { type: 'String' as const, filter: StringFilter },
  PgBoolean: { type: 'Boolean' as const, filter: undefined },
  PgNumeric: { type: Decimal, filter: DecimalFilter },
  PgBigIntString: { type: EpochMillis, filter: EpochMillisFilter },
};

/** The same for the pgEnums (enums.ts), by SQL type name. */
const TYPES_OF_ENUMS = {
  market_enum: { type: Market, filter: MarketFilter },
  interval_enum: { type: Interval, filter: IntervalFilter },
};

/** A key (primary or serial) is an ID; the rest follows the SQL type. */
function typesOf(column: PgColumn) {
  if (column.primary || column.columnType === 'PgSerial') return { type: 'ID' as const, filter: IDFilter };
  if (column.columnType === 'PgEnumColumn') {
    const enumName = (column as PgEnumColumn<[string, ...string[]]>).enum.enumName;
    const types = TYPES_OF_ENUMS[enumName as keyof typeof TYPES_OF_ENUMS];
    if (types) return types;
  }
  return TYPES_OF_COLUMNS[column.columnType as keyof typeof TYPES_OF_COLUMNS];
}

/** The GraphQL type of a column's values. */
function graphQLTypeOf(column: PgColumn) {
  const types = typesOf(column);
  if (!types) throw new Error(`No GraphQL type for ${column.name}, a ${column.columnType} column`);
  return types.type;
}

/** The filter input of a column's values; a column of another type names its filter by hand. */
function filterTypeOf(column: PgColumn) {
  return typesOf(column)?.filter;
}

/** Fields written by hand for one column, in its place. */
type SpecialFields<Row> = (t: ObjectFieldBuilder<Types, Row>) => Record<string, FieldRef<Types, unknown>>;

/**
 * The object fields of a table's row, in table order. Epoch milliseconds are
 * checked as they are answered, naming the row (instant-fields.ts).
 */
export function objectFieldsOf<Table extends PgTable, Row extends InferSelectModel<Table>>(
  t: ObjectFieldBuilder<Types, Row>,
  table: Table,
  description: TableDescription<Table>,
  options: { rowName: RowName<Row>; special?: Partial<Record<keyof Row, SpecialFields<Row>>> },
) {
  const fields: Record<string, FieldRef<Types, unknown>> = {};
  for (const { property, column, description: text } of describedColumns(table, description)) {
    const special = options.special?.[property as keyof Row];
    if (special) {
      Object.assign(fields, special(t));
    } else if (column.columnType === 'PgBigIntString') {
      fields[property] = t.field({
        type: EpochMillis,
        nullable: !column.notNull,
        description: text,
        resolve: (row: Row) => {
          const value = (row as Record<string, string | null>)[property] ?? null;
          return value === null ? null : storedEpochMillis(value, () => options.rowName(row), column.name);
        },
      } as never) as FieldRef<Types, unknown>;
    } else {
      fields[property] = t.expose(
        property as never,
        {
          type: graphQLTypeOf(column) as never,
          nullable: !column.notNull,
          description: text,
        } as never,
      ) as FieldRef<Types, unknown>;
    }
  }
  return fields;
}

/**
 * The column fields of a table's where input, in table order (its `and` and
 * `or` are the caller's). `filterTypes` names the filter of a column whose
 * filter does not follow from its SQL type, by filter name.
 */
export function whereFieldsOf<Table extends PgTable>(
  t: InputFieldBuilder<Types, 'InputObject'>,
  table: Table,
  description: TableDescription<Table>,
  filterTypes: Record<string, object> = {},
) {
  const fields: Record<string, InputFieldRef<Types, unknown>> = {};
  for (const { property, column, filter } of describedColumns(table, description)) {
    if (!filter) continue;
    const name = filter.name ?? property;
    const type = filterTypes[name] ?? filterTypeOf(column);
    if (!type) throw new Error(`No filter input for ${column.name}, a ${column.columnType} column`);
    fields[name] = t.field({ type: type as never, description: filter.description });
  }
  return fields;
}

/**
 * The fields of a table's write input. A value is required where SQL
 * requires one and in the upsert key; `first` are put first, the rest follow
 * in table order.
 */
export function inputFieldsOf<Shape, Table extends PgTable>(
  t: InputFieldBuilder<Types, 'InputObject'>,
  table: Table,
  description: TableDescription<Table>,
  options: { key: readonly string[]; first?: readonly string[] },
) {
  const first = options.first ?? [];
  const columns = describedColumns(table, description).filter(({ input }) => input);
  const ordered = [
    ...first.map((property) => columns.find((column) => column.property === property)!),
    ...columns.filter(({ property }) => !first.includes(property)),
  ];
  // Typed as the input ref's shape, which the caller declares.
  return Object.fromEntries(
    ordered.map(({ property, column, input }) => [
      property,
      t.field({
        type: graphQLTypeOf(column) as never,
        required: column.notNull || options.key.includes(property),
        description: input!.description,
      }) as InputFieldRef<Types, unknown>,
    ]),
  ) as InputFieldsFromShape<Types, Shape, 'InputObject'>;
}

/** The values of a table's order enum: USD_VALUE_DESC is 'usdValue_desc', in table order. */
export function orderValuesOf<Table extends PgTable>(table: Table, description: TableDescription<Table>) {
  const values: Record<string, { value: string; description: string }> = {};
  for (const { property, sort } of describedColumns(table, description)) {
    if (!sort) continue;
    const name = graphQLEnumName(property.replace(/[A-Z]/g, (letter) => `_${letter}`));
    values[`${name}_ASC`] = { value: `${property}_asc`, description: sort.asc };
    values[`${name}_DESC`] = { value: `${property}_desc`, description: sort.desc };
  }
  return values;
}
