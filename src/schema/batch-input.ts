/**
 * Checks on mutation batches that GraphQL types cannot express: their size
 * and duplicate keys (the rules for single values are in input-values.ts).
 * Each refusal names the argument and the item, and comes before any SQL
 * runs, so a refused batch writes nothing.
 */
import { badUserInput } from '../errors.ts';

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
