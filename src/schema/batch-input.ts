/**
 * Checks on mutation inputs that GraphQL types cannot express: batch sizes,
 * text lengths, duplicate keys. Each refusal names the argument and the item,
 * and comes before any SQL runs, so a refused batch writes nothing.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput } from '../errors.ts';

/** "Argument "trades" of Mutation.upsertTrades", the start of every message. */
export function argumentName(info: GraphQLResolveInfo, argument: string): string {
  return `Argument "${argument}" of ${info.parentType.name}.${info.fieldName}`;
}

export function checkBatchSize(items: readonly unknown[], max: number, where: string): void {
  if (items.length > max) {
    throw badUserInput(`${where} has ${items.length} items; at most ${max} are allowed in one call`);
  }
}

/** Text PostgreSQL can store and an index can hold: not empty, not too long, no NUL character. */
export function checkText(value: string, maxLength: number, where: string): void {
  if (value.length === 0) throw badUserInput(`${where} must not be empty`);
  // Characters as PostgreSQL counts them (code points), not UTF-16 units.
  const length = value.length > maxLength ? [...value].length : value.length;
  if (length > maxLength) {
    throw badUserInput(`${where} is ${length} characters long; at most ${maxLength} are allowed`);
  }
  if (value.includes('\u0000'))
    throw badUserInput(`${where} contains a NUL character, which PostgreSQL cannot store`);
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
