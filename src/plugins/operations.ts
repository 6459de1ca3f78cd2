/**
 * What plugins know about an operation: results kept per parsed document,
 * state carried by one operation from plugin to plugin, and the root fields
 * it selects.
 */
import {
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type OperationDefinitionNode,
} from 'graphql';

/**
 * Results kept per parsed document (yoga's parser cache bounds how many there
 * are) and, within one, per key.
 */
export class PerDocument<Value> {
  #byDocument = new WeakMap<DocumentNode, Map<string, Value>>();

  get(document: DocumentNode, key: string, compute: () => Value): Value {
    let byKey = this.#byDocument.get(document);
    if (!byKey) this.#byDocument.set(document, (byKey = new Map()));
    let value = byKey.get(key);
    if (value === undefined && !byKey.has(key)) byKey.set(key, (value = compute()));
    return value as Value;
  }
}

/** One operation's state, shared by the plugins that execute it. */
export interface OperationState {
  /** The operation the document and operation name select; null if none (execution says so). */
  readonly operation: OperationDefinitionNode | null;
  /**
   * The operation's variables have been coerced without an error (the
   * limits plugin does, with graphql-jit's compiled parser, to measure page
   * sizes), so execution need not check them again.
   */
  variablesChecked: boolean;
}

/**
 * Each operation's state, made by the first plugin that asks for it. Keyed by
 * the execution arguments, which every plugin's `onExecute` of one operation
 * receives, and no other operation does. One instance per pipeline.
 */
export class OperationStates {
  #byArgs = new WeakMap<ExecutionArgs, OperationState>();

  of(args: ExecutionArgs): OperationState {
    let state = this.#byArgs.get(args);
    if (!state) {
      const operation = getOperationAST(args.document, args.operationName) ?? null;
      this.#byArgs.set(args, (state = { operation, variablesChecked: false }));
    }
    return state;
  }
}

/** True if every top-level selection is a field named in `names` (fragments count as not). */
export function selectsOnly(operation: OperationDefinitionNode, allowed: (name: string) => boolean): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === 'Field' && allowed(selection.name.value),
  );
}

export const isIntrospectionField = (name: string) => name.startsWith('__');
