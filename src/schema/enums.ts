/**
 * GraphQL enums derived from the pgEnums, so a value added to the table
 * definition (and its migration) appears in GraphQL with nothing else to edit.
 * GraphQL names are the SQL values in upper case: 'kraken' is KRAKEN.
 */
import type { PgEnum } from 'drizzle-orm/pg-core';
import { intervalEnum, marketEnum } from '../db/schema.ts';
import { graphQLEnumName } from '../input-values.ts';
import { builder } from './builder.ts';

type GraphQLEnumValues<Values extends readonly string[]> = {
  [Value in Values[number] as Uppercase<Value>]: { value: Value; description: string };
};

/**
 * Maps each SQL value to an upper-case GraphQL name whose internal value is
 * the SQL value. Every value needs a description: a value added to the
 * pgEnum does not compile until it has one.
 */
function enumValuesOf<const Values extends [string, ...string[]]>(
  pgEnum: PgEnum<Values>,
  descriptions: Record<Values[number], string>,
): GraphQLEnumValues<Values> {
  return Object.fromEntries(
    pgEnum.enumValues.map((value) => [
      graphQLEnumName(value),
      { value, description: descriptions[value as Values[number]] },
    ]),
  ) as GraphQLEnumValues<Values>;
}

export const Market = builder.enumType('Market', {
  description: 'The exchange a trade or history point belongs to (SQL type market_enum).',
  values: enumValuesOf(marketEnum, { kraken: 'The Kraken exchange (SQL value kraken).' }),
});

export const Interval = builder.enumType('Interval', {
  description: 'The length of time one portfolio history point covers (SQL type interval_enum).',
  values: enumValuesOf(intervalEnum, {
    week: "Seven days from the point's timestamp (SQL value week).",
    day: "One day from the point's timestamp (SQL value day).",
  }),
});

export const Side = builder.enumType('Side', {
  description: 'Which way a trade went. In SQL, the boolean is_buy.',
  values: {
    BUY: { value: 'buy', description: 'Bought the base asset (is_buy true).' },
    SELL: { value: 'sell', description: 'Sold the base asset (is_buy false).' },
  } as const,
});
