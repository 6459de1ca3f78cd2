/**
 * The root fields an operation selects, for plugins that treat operations by
 * what they ask for (introspection, no database).
 */
import type { OperationDefinitionNode } from 'graphql';

/** True if every top-level selection is a field named in `names` (fragments count as not). */
export function selectsOnly(operation: OperationDefinitionNode, allowed: (name: string) => boolean): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === 'Field' && allowed(selection.name.value),
  );
}

export const isIntrospectionField = (name: string) => name.startsWith('__');
