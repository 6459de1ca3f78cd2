/**
 * How error messages name where a bad value came from, read from the
 * resolver's `info`, so a renamed field or argument is named right.
 */
import type { GraphQLResolveInfo } from 'graphql';

/** "Query.trades": the field being resolved, on its parent type. */
export function fieldPath(info: GraphQLResolveInfo): string {
  return `${info.parentType.name}.${info.fieldName}`;
}

/** "Argument "trades" of Mutation.upsertTrades", the start of every message about an argument. */
export function argumentName(info: GraphQLResolveInfo, argument: string): string {
  return `Argument "${argument}" of ${fieldPath(info)}`;
}
