/**
 * A column is one edit to its table and one line of description: from them
 * come its object field, its where filter (and that filter's SQL), its write
 * input field, its upsert column and, if sortable, its order values.
 */
import { printType, type GraphQLNamedType } from 'graphql';
import { bigint, numeric, PgDialect, pgTable, text } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import {
  sortFieldsOf,
  whereCompiler,
  writableColumnsOf,
  type TableDescription,
  type WhereShape,
} from '../src/db/columns.ts';
import { builder } from '../src/schema/builder.ts';
import { inputFieldsOf, objectFieldsOf, orderValuesOf, whereFieldsOf } from '../src/schema/columns.ts';
import '../src/schema/scalars.ts';
import '../src/schema/enums.ts';
import '../src/schema/filters.ts';
import { marketEnum } from '../src/db/schema.ts';

// A small table as it stands, and the same table with one column added.
const columns = () => ({
  id: text('id').primaryKey(),
  timestamp: bigint('timestamp', { mode: 'string' }).notNull(),
  market: marketEnum('market').notNull(),
});
const fills = pgTable('fills', columns());
const fillsWithFee = pgTable('fills', {
  ...columns(),
  fee: numeric('fee', { precision: 48, scale: 18 }), // the edit to the table
});

const fillColumns = {
  id: { description: 'The fill id.', filter: { description: 'The id.' }, input: { description: 'The id.' } },
  timestamp: {
    description: 'When it filled, in epoch milliseconds.',
    filter: { description: 'When.' },
    sort: { asc: 'Oldest first.', desc: 'Newest first.' },
    input: { description: 'When.' },
  },
  market: { description: 'The exchange.', filter: { description: 'The exchange.' } },
} satisfies TableDescription<typeof fills>;
const fillWithFeeColumns = {
  ...fillColumns,
  // The one line of description:
  fee: {
    description: 'The fee paid.',
    filter: { description: 'The fee.' },
    input: { description: 'The fee.' },
    sort: { asc: 'Cheapest first.', desc: 'Dearest first.' },
  },
} satisfies TableDescription<typeof fillsWithFee>;

function typesOf(
  name: string,
  table: typeof fills | typeof fillsWithFee,
  description: TableDescription<typeof fills>,
) {
  type Row = typeof fillsWithFee.$inferSelect;
  const rowName = (row: Row) => `the fills row with id ${row.id}`;
  const Fill = builder.objectRef<Row>(name).implement({
    description: 'A fill.',
    fields: (t) => objectFieldsOf(t, table as typeof fillsWithFee, description as never, { rowName }),
  });
  const Where = builder.inputRef<WhereShape>(`${name}Where`).implement({
    description: 'Conditions on fills.',
    fields: (t) => whereFieldsOf(t, table, description) as never,
  });
  const Input = builder.inputRef<Record<string, unknown>>(`${name}Input`).implement({
    description: 'A fill to write.',
    fields: (t) =>
      inputFieldsOf<Record<string, unknown>, typeof table>(t, table, description, { key: ['id'] }) as never,
  });
  const Order = builder.enumType(`${name}Order`, {
    description: 'Orders.',
    values: orderValuesOf(table, description),
  });
  builder.queryField(`list${name}`, (t) =>
    t.field({
      type: [Fill],
      description: 'Fills.',
      args: {
        where: t.arg({ type: Where, description: 'Conditions.' }),
        input: t.arg({ type: [Input], description: 'Rows.' }),
        orderBy: t.arg({ type: [Order], description: 'Order.' }),
      },
      resolve: () => [],
    }),
  );
  return [name, `${name}Where`, `${name}Input`, `${name}Order`];
}

const before = typesOf('Fill', fills, fillColumns);
const after = typesOf('FillWithFee', fillsWithFee, fillWithFeeColumns as never);
builder.mutationField('noop', (t) => t.boolean({ description: 'Nothing.', resolve: () => true }));
const schema = builder.toSchema({ sortSchema: false });
const print = (name: string) => printType(schema.getType(name) as GraphQLNamedType);

describe('a column added to a table and described once', () => {
  it('appears as an object field, a where filter, an input field and order values', () => {
    const [object, where, input, order] = after.map(print);
    expect(object).toContain('"""The fee paid."""\n  fee: Decimal\n}');
    expect(where).toContain('"""The fee."""\n  fee: DecimalFilter\n}');
    expect(input).toContain('"""The fee."""\n  fee: Decimal\n}');
    expect(order).toContain('FEE_ASC');
    expect(order).toContain('FEE_DESC');
    // Nothing else differs from the table without it.
    const strip = (text: string) =>
      text
        .replace(/FillWithFee/g, 'Fill')
        .replace(/\n\n {2}"""The fee[^"]*"""\n {2}fee: \w+(?=\n)/, '')
        .replace(/\n\n {2}"""(Cheapest|Dearest) first\."""\n {2}FEE_(ASC|DESC)/g, '');
    expect(after.map(print).map(strip)).toEqual(before.map(print));
    // Types follow the SQL: the primary key is an ID, the BIGINT epoch milliseconds, the pgEnum its enum.
    expect(object).toMatch(/id: ID!\n[^]*timestamp: EpochMillis!\n[^]*market: Market!/);
    expect(input).toContain('id: ID!');
    expect(input).not.toContain('market');
  });

  it('is compiled to SQL in the where, written by the upsert and sortable', () => {
    const compile = whereCompiler(fillsWithFee, fillWithFeeColumns);
    const condition = compile({ fee: { gt: '1.5' }, timestamp: { lt: 5 } }, 'where');
    const query = new PgDialect().sqlToQuery(condition!);
    expect(query.sql).toBe('(("fills"."timestamp" < $1) and ("fills"."fee" > $2))');
    expect(query.params).toEqual(['5', '1.5']);
    expect(writableColumnsOf(fillsWithFee, fillWithFeeColumns)).toEqual(['id', 'timestamp', 'fee']);
    expect(Object.keys(sortFieldsOf(fillsWithFee, fillWithFeeColumns))).toEqual(['timestamp', 'fee']);
    expect(sortFieldsOf(fillsWithFee, fillWithFeeColumns).fee!.kind).toBe('decimal');
  });
});
