/**
 * What a stored value may be. The API checks every input with these rules
 * (scalars and mutation arguments), and the push CLI checks every row of a
 * file with the same ones before it sends anything, so both refuse the same
 * values with the same words. Nothing here touches the schema builder.
 */
import { GraphQLError } from 'graphql';
import { badUserInput } from './errors.ts';

/** NUMERIC(48,18): 30 digits before the point, 18 after. */
export const DECIMAL_INTEGER_DIGITS = 30;
export const DECIMAL_FRACTION_DIGITS = 18;

const PLAIN_DECIMAL = /^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))$/;

/**
 * Checks decimal text and returns it in the form PostgreSQL parses exactly.
 * Works on the text alone: a JavaScript number never touches the digits.
 */
export function parseDecimal(text: string): string {
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) {
    throw new GraphQLError(
      `Decimal must be plain decimal digits such as "-1234.5678"; NaN, Infinity and exponent forms are not accepted, got "${abbreviate(text)}"`,
    );
  }
  const integerDigits = (match[1] ?? '').replace(/^0+/, '').length;
  const fractionDigits = (match[2] ?? match[3] ?? '').length;
  if (integerDigits > DECIMAL_INTEGER_DIGITS) {
    throw new GraphQLError(
      `Decimal allows at most ${DECIMAL_INTEGER_DIGITS} digits before the decimal point, got ${integerDigits}`,
    );
  }
  if (fractionDigits > DECIMAL_FRACTION_DIGITS) {
    throw new GraphQLError(
      `Decimal allows at most ${DECIMAL_FRACTION_DIGITS} digits after the decimal point, got ${fractionDigits}`,
    );
  }
  return text.startsWith('+') ? text.slice(1) : text;
}

export function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

const MAX_EPOCH_MILLIS = BigInt(Number.MAX_SAFE_INTEGER);

/** An exact integer count of milliseconds, as a number a JSON client reads exactly. */
export function checkEpochMillis(value: bigint | number, shown: string): number {
  // Exactly the integers within ±(2^53 − 1).
  if (Number.isSafeInteger(value)) return value as number;
  const big = typeof value === 'bigint' ? value : BigInt(value);
  if (big > MAX_EPOCH_MILLIS || big < -MAX_EPOCH_MILLIS) {
    throw new GraphQLError(`EpochMillis must be within ±9007199254740991 (2^53 − 1), got ${shown}`);
  }
  return Number(big);
}

/** Epoch milliseconds written as integer digits, as a BIGINT column or a file holds them. */
export function parseEpochMillisText(text: string): number {
  if (!/^-?\d+$/.test(text)) {
    throw new GraphQLError(
      `EpochMillis must be an integer number of milliseconds, got "${abbreviate(text)}"`,
    );
  }
  return checkEpochMillis(BigInt(text), text);
}

/** The range of a JavaScript date: a stored instant outside it could not be shown as a DateTime. */
export const INSTANT_MAX_MILLIS = 8_640_000_000_000_000;

/** Refuses an instant that every reader's `time` field would then fail on. */
export function checkInstant(value: number, where: string): void {
  if (Math.abs(value) > INSTANT_MAX_MILLIS) {
    throw badUserInput(
      `${where} is ${value}; stored instants must be within ±${INSTANT_MAX_MILLIS} ms (years −271821 to 275760) to be readable as a DateTime`,
    );
  }
}

/** A lone UTF-16 surrogate: half of a pair, which is no character at all. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Refuses text holding a lone UTF-16 surrogate (JSON can carry "\ud800").
 * The drivers would send it to PostgreSQL as U+FFFD, so two different ids
 * would become one row, or a lookup would match a row it does not name.
 */
export function checkWellFormed(value: string, where: string): void {
  const match = LONE_SURROGATE.exec(value);
  if (match) {
    const unit = match[0].charCodeAt(0).toString(16).toUpperCase();
    throw badUserInput(
      `${where} contains a lone UTF-16 surrogate (\\u${unit} at offset ${match.index}), which is not a character; ` +
        'send well-formed Unicode text (PostgreSQL would store it as U+FFFD)',
    );
  }
}

/**
 * Text PostgreSQL can store and an index can hold: not empty, not too long,
 * no NUL character, no lone surrogate.
 */
export function checkText(value: string, maxLength: number, where: string): void {
  if (value.length === 0) throw badUserInput(`${where} must not be empty`);
  checkWellFormed(value, where);
  // Characters as PostgreSQL counts them (code points), not UTF-16 units.
  const length = value.length > maxLength ? [...value].length : value.length;
  if (length > maxLength) {
    throw badUserInput(`${where} is ${length} characters long; at most ${maxLength} are allowed`);
  }
  if (value.includes('\u0000'))
    throw badUserInput(`${where} contains a NUL character, which PostgreSQL cannot store`);
}

/** Longest texts a trade may carry; Kraken's order ids are 19 characters. */
export const TRADE_TEXT_MAX = { id: 256, symbol: 64, baseAsset: 32, quoteAsset: 32 } as const;

/** The GraphQL name of an SQL enum value: 'kraken' is KRAKEN. */
export function graphQLEnumName(sqlValue: string): string {
  return sqlValue.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
