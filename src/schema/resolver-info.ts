/**
 * What resolvers read from their `info`: how error messages name where a bad
 * value came from (so a renamed field or argument is named right), and
 * whether the client selected a field, so a resolver can skip work (such as
 * returning 10,000 written rows) that nobody will read.
 */
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** "Query.trades": the field being resolved, on its parent type. */
export function fieldPath(info: GraphQLResolveInfo): string {
  return `${info.parentType.name}.${info.fieldName}`;
}

/** "Argument "trades" of Mutation.upsertTrades", the start of every message about an argument. */
export function argumentName(info: GraphQLResolveInfo, argument: string): string {
  return `Argument "${argument}" of ${fieldPath(info)}`;
}

function selects(
  selectionSet: SelectionSetNode | undefined,
  name: string,
  info: GraphQLResolveInfo,
): boolean {
  return (selectionSet?.selections ?? []).some((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        return selection.name.value === name;
      case Kind.INLINE_FRAGMENT:
        return selects(selection.selectionSet, name, info);
      case Kind.FRAGMENT_SPREAD:
        return selects(info.fragments[selection.name.value]?.selectionSet, name, info);
    }
  });
}

/** True if any occurrence of the current field selects `name` on its result. */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) => selects(node.selectionSet, name, info));
}
