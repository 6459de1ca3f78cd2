/**
 * Every row with a `timestamp` shows it twice: as exact epoch milliseconds
 * for programs, and as an ISO-8601 string for people and date libraries.
 *
 * The API refuses to write an instant neither can show, but an adopted
 * database may hold one: such a value is answered with an
 * INVALID_STORED_VALUE error naming the row and the column, on that row's
 * field alone.
 */
import type { ObjectFieldBuilder } from '@pothos/core';
import { invalidStoredValue } from '../errors.ts';
import { INSTANT_MAX_MILLIS } from '../input-values.ts';
import type { SchemaTypes } from './builder.ts';
import { DateTime, EpochMillis } from './scalars.ts';

const MAX_EPOCH_MILLIS = BigInt(Number.MAX_SAFE_INTEGER);

/** A stored row as messages name it, such as `the trades row with id "T1"`. */
export type RowName<Row> = (row: Row) => string;

/** A stored BIGINT of epoch milliseconds as a number JSON carries exactly, or a clear error. */
export function storedEpochMillis(value: string | number, row: () => string, column: string): number {
  // A BIGINT's text (digits, maybe a minus) of at most 15 characters is
  // within 2^53 − 1, so Number reads it exactly: the common case, without
  // a BigInt per value (160 points carry 320 of them).
  if (typeof value === 'string' ? value.length > 0 && value.length <= 15 : Number.isSafeInteger(value)) {
    const millis = Number(value);
    if (Number.isSafeInteger(millis)) return millis;
  }
  const millis = BigInt(value);
  if (millis > MAX_EPOCH_MILLIS || millis < -MAX_EPOCH_MILLIS) {
    throw invalidStoredValue(
      `${capitalize(row())} holds ${column} ${millis}, beyond ±${MAX_EPOCH_MILLIS} (2^53 − 1), ` +
        'which EpochMillis cannot carry exactly; correct the row in the database',
    );
  }
  return Number(millis);
}

/** A stored instant as a Date, or a clear error if no date can show it. */
function storedDate(value: string, row: () => string, column: string): Date {
  const millis = storedEpochMillis(value, row, column);
  if (Math.abs(millis) > INSTANT_MAX_MILLIS) {
    throw invalidStoredValue(
      `${capitalize(row())} holds ${column} ${millis}, beyond ±${INSTANT_MAX_MILLIS} ms, ` +
        'which a DateTime cannot show; correct the row in the database',
    );
  }
  return new Date(millis);
}

export function instantFields<Row extends { timestamp: string }>(
  t: ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, Row>,
  /** What the instant is, e.g. "When the trade executed". */
  meaning: string,
  /** The stored row, for errors about its value. */
  rowName: RowName<Row>,
) {
  return {
    timestamp: t.field({
      type: EpochMillis,
      description: `${meaning}, in epoch milliseconds.`,
      resolve: (row) => storedEpochMillis(row.timestamp, () => rowName(row), 'timestamp'),
    }),
    time: t.field({
      type: DateTime,
      description: `${meaning}, as an ISO-8601 UTC string (the same instant as \`timestamp\`).`,
      resolve: (row) => storedDate(row.timestamp, () => rowName(row), 'timestamp'),
    }),
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
