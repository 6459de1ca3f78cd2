/**
 * How big an operation is, counted as it would execute: every field a
 * fragment spread brings in counts each time it is spread. Counting that by
 * walking the spreads would take time exponential in the document (a
 * fragment that spreads the next one twice, 40 levels down, is 2^40 visits
 * from a 1.6 KB document), so each fragment is summed once and its summary
 * reused wherever it is spread: the walk visits every selection of the
 * document once, and the counts it returns may still be astronomically
 * large, which is what the limits then refuse.
 */
import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface SelectionSummary {
  /** Fields selected in all, `__typename` included. */
  fields: number;
  /** Aliased fields (an alias on `__typename` is harmless and not counted). */
  aliases: number;
  /** Deepest nesting of fields. */
  depth: number;
  /** Fields at the top level of the selection that introspect (`__schema`, `__type`). */
  introspectionRoots: number;
}

export interface OperationSummary extends SelectionSummary {
  /** Selections the walk visited: proportional to the document's size, whatever it spreads. */
  visits: number;
}

const EMPTY: SelectionSummary = { fields: 0, aliases: 0, depth: 0, introspectionRoots: 0 };

export function summarizeOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationSummary {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const summaries = new Map<string, SelectionSummary>();
  const inProgress = new Set<string>();
  let visits = 0;

  const summarizeFragment = (name: string): SelectionSummary => {
    const known = summaries.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are refused by validation, which runs
    // first; they count as nothing here rather than looping.
    if (!fragment || inProgress.has(name)) return EMPTY;
    inProgress.add(name);
    const summary = summarizeSet(fragment.selectionSet);
    inProgress.delete(name);
    summaries.set(name, summary);
    return summary;
  };

  const summarizeSet = (set: SelectionSetNode): SelectionSummary => {
    const total = { ...EMPTY };
    const add = (part: SelectionSummary, depthOffset: number, introspectionRoots: number) => {
      total.fields += part.fields;
      total.aliases += part.aliases;
      total.depth = Math.max(total.depth, part.depth + depthOffset);
      total.introspectionRoots += introspectionRoots;
    };
    for (const selection of set.selections) {
      visits++;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const inner = selection.selectionSet ? summarizeSet(selection.selectionSet) : EMPTY;
        total.fields += 1;
        if (selection.alias && name !== '__typename') total.aliases += 1;
        add(inner, 1, name === '__schema' || name === '__type' ? 1 : 0);
        total.depth = Math.max(total.depth, 1);
      } else {
        const inner =
          selection.kind === Kind.INLINE_FRAGMENT
            ? summarizeSet(selection.selectionSet)
            : summarizeFragment(selection.name.value);
        // A fragment adds no level, and its top-level fields are this level's.
        add(inner, 0, inner.introspectionRoots);
      }
    }
    return total;
  };

  return { ...summarizeSet(operation.selectionSet), visits };
}
