/**
 * Every row with a `timestamp` shows it twice: as exact epoch milliseconds
 * for programs, and as an ISO-8601 string for people and date libraries.
 */
import type { ObjectFieldBuilder } from '@pothos/core';
import type { SchemaTypes } from './builder.ts';
import { DateTime, EpochMillis } from './scalars.ts';

export function instantFields<Row extends { timestamp: string }>(
  t: ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, Row>,
  /** What the instant is, e.g. "When the trade executed". */
  meaning: string,
) {
  return {
    timestamp: t.field({
      type: EpochMillis,
      description: `${meaning}, in epoch milliseconds.`,
      resolve: (row) => row.timestamp,
    }),
    time: t.field({
      type: DateTime,
      description: `${meaning}, as an ISO-8601 UTC string (the same instant as \`timestamp\`).`,
      resolve: (row) => new Date(Number(row.timestamp)),
    }),
  };
}
