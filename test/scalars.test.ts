/**
 * The scalars' own checks, called through the built schema's scalar types.
 * (Through HTTP they are covered where arguments take them.)
 */
import { GraphQLScalarType, parseValue as parseLiteralText } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';

const scalar = (name: string) => schema.getType(name) as GraphQLScalarType;
const Decimal = scalar('Decimal');
const EpochMillis = scalar('EpochMillis');
const DateTime = scalar('DateTime');

describe('Decimal', () => {
  it.each([
    [
      '123456789012345678901234567890.123456789012345678',
      '123456789012345678901234567890.123456789012345678',
    ],
    ['0.000000000000000001', '0.000000000000000001'],
    ['-42', '-42'],
    ['+1.5', '1.5'],
    ['.5', '.5'],
    ['7.', '7.'],
    ['000000000000000000000000000000001', '000000000000000000000000000000001'],
  ])('accepts %s', (input, stored) => {
    expect(Decimal.parseValue(input)).toBe(stored);
    expect(Decimal.parseLiteral(parseLiteralText(JSON.stringify(input)))).toBe(stored);
  });

  it('reads numeric literals in the query text from their digits, not through a float', () => {
    expect(Decimal.parseLiteral(parseLiteralText('123456789012345678901234567890.123456789012345678'))).toBe(
      '123456789012345678901234567890.123456789012345678',
    );
    expect(Decimal.parseLiteral(parseLiteralText('9007199254740993'))).toBe('9007199254740993');
  });

  it.each([
    ['NaN', 'NaN, Infinity and exponent forms are not accepted, got "NaN"'],
    ['Infinity', 'NaN, Infinity and exponent forms are not accepted, got "Infinity"'],
    ['-Infinity', 'NaN, Infinity and exponent forms are not accepted'],
    ['1e400', 'NaN, Infinity and exponent forms are not accepted, got "1e400"'],
    ['1E5', 'exponent forms are not accepted'],
    ['', 'plain decimal digits'],
    ['.', 'plain decimal digits'],
    ['1,5', 'plain decimal digits'],
    [' 1', 'plain decimal digits'],
    ['0x10', 'plain decimal digits'],
    ['1234567890123456789012345678901', 'at most 30 digits before the decimal point, got 31'],
    ['0.1234567890123456789', 'at most 18 digits after the decimal point, got 19'],
  ])('refuses %j', (input, message) => {
    expect(() => Decimal.parseValue(input)).toThrow(message);
    expect(() => Decimal.parseLiteral(parseLiteralText(JSON.stringify(input)))).toThrow(message);
  });

  it('refuses exponent and oversized numeric literals too', () => {
    expect(() => Decimal.parseLiteral(parseLiteralText('1e400'))).toThrow('exponent forms are not accepted');
    expect(() => Decimal.parseLiteral(parseLiteralText('0.1234567890123456789'))).toThrow('got 19');
  });

  it('refuses JSON numbers in variables, which may have lost digits already', () => {
    expect(() => Decimal.parseValue(0.1)).toThrow('must be JSON strings such as "12.5"');
    expect(() => Decimal.parseValue(true)).toThrow('Decimal must be a string, got boolean true');
    expect(() => Decimal.parseLiteral(parseLiteralText('true'))).toThrow('got boolean true');
  });

  it('outputs the database text unchanged', () => {
    expect(Decimal.serialize('1.000000000000000000')).toBe('1.000000000000000000');
    expect(() => Decimal.serialize(1.5)).toThrow('Decimal output must be a string');
  });
});

describe('EpochMillis', () => {
  it('outputs database BIGINT text as an exact JSON number', () => {
    expect(EpochMillis.serialize('1700000000000')).toBe(1700000000000);
    expect(EpochMillis.serialize('-9007199254740991')).toBe(-9007199254740991);
    expect(EpochMillis.serialize(1700000000000)).toBe(1700000000000);
  });

  it('refuses to round a BIGINT beyond 2^53 − 1 on the way out', () => {
    expect(() => EpochMillis.serialize('9007199254740993')).toThrow(
      'EpochMillis must be within ±9007199254740991',
    );
    expect(() => EpochMillis.serialize(1.5)).toThrow('must be an integer');
  });

  it.each([
    [1.5, 'must be an integer number of milliseconds'],
    [Number.NaN, 'must be an integer number of milliseconds'],
    [2 ** 53, 'must be within ±9007199254740991'],
    [-(2 ** 53), 'must be within ±9007199254740991'],
    ['1700000000000', 'must be a JSON integer'],
    [null, 'must be a JSON integer, got null'],
  ])('refuses %j', (value, message) => {
    expect(() => EpochMillis.parseValue(value)).toThrow(message);
  });

  it('reads literals exactly, refusing those a JSON number cannot carry', () => {
    expect(EpochMillis.parseLiteral(parseLiteralText('1700000000000'))).toBe(1700000000000);
    expect(EpochMillis.parseLiteral(parseLiteralText('9007199254740991'))).toBe(9007199254740991);
    expect(() => EpochMillis.parseLiteral(parseLiteralText('9007199254740993'))).toThrow(
      'got 9007199254740993',
    );
    expect(() => EpochMillis.parseLiteral(parseLiteralText('1.0'))).toThrow('must be an integer number');
  });
});

describe('DateTime', () => {
  it('outputs ISO-8601 UTC with milliseconds', () => {
    expect(DateTime.serialize(new Date(1700000000000))).toBe('2023-11-14T22:13:20.000Z');
    expect(() => DateTime.serialize(new Date(Number.NaN))).toThrow('outside the range');
  });

  it('reads ISO-8601 with a zone, and nothing else', () => {
    expect((DateTime.parseValue('2023-11-14T23:13:20+01:00') as Date).getTime()).toBe(1700000000000);
    expect(() => DateTime.parseValue('2023-11-14')).toThrow('ISO-8601 date and time with a zone');
    expect(() => DateTime.parseValue('2023-11-14T22:13:20')).toThrow('with a zone');
    expect(() => DateTime.parseValue(1700000000000)).toThrow('DateTime must be a string');
  });
});
