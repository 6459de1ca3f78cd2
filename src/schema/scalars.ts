/**
 * The three scalars of the contract. Values are checked here, on the way in,
 * so a bad value is refused before any SQL runs, with a message that says
 * what was wrong. graphql-js adds which variable, argument or input field
 * held the value (see plugins/value-error-locations.ts for literals in the query
 * text).
 */
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { abbreviate, checkEpochMillis, parseDecimal, parseEpochMillisText } from '../input-values.ts';
import { invalidStoredValue } from '../errors.ts';
import { builder } from './builder.ts';

export const Decimal = builder.scalarType('Decimal', {
  description:
    'An exact decimal number with up to 30 digits before and 18 after the point (PostgreSQL NUMERIC(48,18)). ' +
    'Output is a JSON string of the digits PostgreSQL returns. Input is a string, or a numeric literal in the query text; ' +
    'in variables send a string, since a JSON number may already have lost digits.',
  serialize: (value) => {
    if (typeof value !== 'string')
      throw new GraphQLError(`Decimal output must be a string, got ${typeof value}`);
    return value;
  },
  parseValue: (value) => {
    if (typeof value === 'number') {
      throw new GraphQLError(
        `Decimal values in variables must be JSON strings such as "12.5": the JSON number ${value} may already have lost digits`,
      );
    }
    if (typeof value !== 'string')
      throw new GraphQLError(`Decimal must be a string, got ${describeJson(value)}`);
    return parseDecimal(value);
  },
  parseLiteral: (node) => {
    // INT and FLOAT literals keep their source text, so they are exact too.
    if (node.kind === Kind.STRING || node.kind === Kind.INT || node.kind === Kind.FLOAT) {
      return parseDecimal(node.value);
    }
    throw new GraphQLError(`Decimal must be a string or a number, got ${describeLiteral(node)}`);
  },
});

export const EpochMillis = builder.scalarType('EpochMillis', {
  description:
    'Milliseconds since 1970-01-01T00:00:00Z as a JSON integer, exact within ±(2^53 − 1). ' +
    'GraphQL Int is 32-bit and cannot hold these, hence this scalar.',
  serialize: (value) => {
    // BIGINT columns come back as decimal strings; refuse what a JSON number
    // cannot carry exactly rather than round it. Output comes from the
    // database, so a value refused here is a stored one (fields of a row
    // check theirs first, naming the row: instant-fields.ts).
    try {
      if (typeof value === 'string') return parseEpochMillisText(value);
      if (Number.isSafeInteger(value)) return value as number;
      if (typeof value === 'number' && Number.isInteger(value)) return checkEpochMillis(value, String(value));
    } catch (error) {
      throw invalidStoredValue(`A stored value cannot be answered: ${(error as Error).message}`);
    }
    throw new GraphQLError(`EpochMillis output must be an integer, got ${String(value)}`);
  },
  parseValue: (value) => {
    if (typeof value !== 'number') {
      throw new GraphQLError(`EpochMillis must be a JSON integer, got ${describeJson(value)}`);
    }
    if (!Number.isInteger(value)) {
      throw new GraphQLError(`EpochMillis must be an integer number of milliseconds, got ${value}`);
    }
    return checkEpochMillis(value, String(value));
  },
  parseLiteral: (node) => {
    if (node.kind === Kind.INT) return checkEpochMillis(BigInt(node.value), node.value);
    if (node.kind === Kind.FLOAT) {
      throw new GraphQLError(`EpochMillis must be an integer number of milliseconds, got ${node.value}`);
    }
    throw new GraphQLError(`EpochMillis must be an integer, got ${describeLiteral(node)}`);
  },
});

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(text: string): Date {
  const date = new Date(text);
  if (!ISO_8601.test(text) || Number.isNaN(date.getTime())) {
    throw new GraphQLError(
      `DateTime must be an ISO-8601 date and time with a zone, such as "2024-01-31T12:00:00Z", got "${abbreviate(text)}"`,
    );
  }
  return date;
}

export const DateTime = builder.scalarType('DateTime', {
  description:
    'An instant as an ISO-8601 string in UTC with milliseconds, such as "2024-01-31T12:00:00.000Z".',
  serialize: (value) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new GraphQLError('DateTime output is outside the range a date can represent');
    }
    return value.toISOString();
  },
  parseValue: (value) => {
    if (typeof value !== 'string')
      throw new GraphQLError(`DateTime must be a string, got ${describeJson(value)}`);
    return parseDateTime(value);
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING)
      throw new GraphQLError(`DateTime must be a string, got ${describeLiteral(node)}`);
    return parseDateTime(node.value);
  },
});

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string "${abbreviate(value)}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function describeLiteral(node: ValueNode): string {
  switch (node.kind) {
    case Kind.LIST:
      return 'a list';
    case Kind.OBJECT:
      return 'an object';
    case Kind.BOOLEAN:
      return `boolean ${node.value}`;
    case Kind.ENUM:
      return `enum value ${node.value}`;
    case Kind.NULL:
      return 'null';
    case Kind.STRING:
      return `the string "${abbreviate(node.value)}"`;
    case Kind.VARIABLE:
      return `variable $${node.name.value}`;
    default:
      return node.value;
  }
}
