/**
 * The counts every upsert answers with.
 */
import type { ObjectFieldBuilder } from '@pothos/core';
import type { UpsertCounts } from '../db/bulk-upsert.ts';
import type { SchemaTypes } from './builder.ts';

export function upsertCountFields<Result extends { counts: UpsertCounts }>(
  t: ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, Result>,
  /** What was written, plural: "Trades", "Points". */
  things: string,
) {
  return {
    insertedCount: t.int({
      description: `${things} that were new.`,
      resolve: (result) => result.counts.inserted,
    }),
    updatedCount: t.int({
      description: `Existing ${things.toLowerCase()} whose values changed.`,
      resolve: (result) => result.counts.updated,
    }),
    unchangedCount: t.int({
      description: `Existing ${things.toLowerCase()} whose values were already as sent: left untouched.`,
      resolve: (result) => result.counts.unchanged,
    }),
  };
}
