/**
 * What every write mutation shares:
 * - checks on batches that GraphQL types cannot express: their size and
 *   duplicate keys (the rules for single values are in input-values.ts).
 *   Each refusal names the argument and the item, and comes before any SQL
 *   runs, so a refused batch writes nothing;
 * - the counts every upsert answers with;
 * - what every delete answers.
 */
import type { ObjectFieldBuilder } from '@pothos/core';
import type { UpsertCounts } from '../db/bulk-upsert.ts';
import { badUserInput } from '../errors.ts';
import { builder, type SchemaTypes } from './builder.ts';

export function checkBatchSize(items: readonly unknown[], max: number, where: string): void {
  if (items.length > max) {
    throw badUserInput(`${where} has ${items.length} items; at most ${max} are allowed in one call`);
  }
}

/** Refuses a batch in which two items share a key: which one should win would be a guess. */
export function checkNoDuplicates<Item>(
  items: readonly Item[],
  keyOf: (item: Item) => string,
  describe: (item: Item) => string,
  where: string,
): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) {
      throw badUserInput(
        `${where} has ${describe(item)} twice, at [${earlier}] and [${index}]; send each once`,
      );
    }
    firstIndex.set(key, index);
  });
}

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

export interface DeleteResult {
  deletedIds: (string | number)[];
}

export const DeletePayload = builder.objectRef<DeleteResult>('DeletePayload').implement({
  description: 'The outcome of a delete.',
  fields: (t) => ({
    deletedCount: t.int({
      description: 'How many rows were deleted.',
      resolve: (result) => result.deletedIds.length,
    }),
    deletedIds: t.idList({
      description: 'The ids of the deleted rows.',
      resolve: (result) => result.deletedIds,
    }),
  }),
});
