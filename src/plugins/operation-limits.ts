/**
 * Limits on how much one operation may ask for: depth, cost, aliases and
 * breadth, by role (producers get looser ones), one introspection root, a
 * bound on how deeply variables nest, and a token limit on parsing. Checked
 * when the operation is about to execute, before any SQL runs, and refused
 * with a message that names the limit and the setting that raises it.
 *
 * Not a validation rule: yoga caches validation by document, and these
 * results depend on the caller's role and on the variables (page sizes).
 * Cost comes from the fields' `complexity` (Pothos complexity plugin): 1 a
 * field, times the page size of every list around it.
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig, OperationLimits } from '../config.ts';
import type { Context } from '../context.ts';
import { variablesChecked } from './compiled-execution.ts';
import { PerDocument } from './per-document.ts';
import { isIntrospectionField, selectsOnly } from './root-fields.ts';

/** How deeply variables may nest (a `where` inside `and` inside `or` …); far beyond any real filter. */
const VARIABLES_DEPTH_MAX = 32;

type LimitName = 'depth' | 'cost' | 'aliases' | 'breadth' | 'introspection' | 'variables' | 'tokens';

function limitError(limit: LimitName, message: string, max: number, actual?: number) {
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_LIMIT', limit, max, actual, http: { status: 400 } },
  });
}

/** Aliases anywhere in the operation, and root fields that introspect (`__schema`, `__type`). */
function countSelections(selectionSet: SelectionSetNode, document: DocumentNode) {
  const fragments = new Map(
    document.definitions
      .filter(
        (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
      )
      .map((fragment) => [fragment.name.value, fragment]),
  );
  let aliases = 0;
  let introspectionRoots = 0;
  // Validation has already refused fragment cycles; `seen` bounds the walk anyway.
  const walk = (set: SelectionSetNode, root: boolean, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias && selection.name.value !== '__typename') aliases++;
        if (root && (selection.name.value === '__schema' || selection.name.value === '__type'))
          introspectionRoots++;
        if (selection.selectionSet) walk(selection.selectionSet, false, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, root, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          walk(fragment.selectionSet, root, new Set([...seen, fragment.name.value]));
        }
      }
    }
  };
  walk(selectionSet, true, new Set());
  return { aliases, introspectionRoots };
}

/** How deeply a JSON value nests, without recursing (a hostile value must not overflow the stack). */
function nestingDepth(value: unknown, stopAt: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAt) return deepest;
    if (typeof current === 'object' && current !== null) {
      for (const inner of Object.values(current)) stack.push([inner, depth + 1]);
    }
  }
  return deepest;
}

export function useOperationLimits(limits: LimitsConfig): Plugin<Context> {
  const verdicts = new PerDocument<GraphQLError[]>();
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: limits.tokens });
        } catch (error) {
          if (error instanceof GraphQLError && error.message.endsWith('tokens. Parsing aborted.')) {
            throw limitError(
              'tokens',
              `The document has more than ${limits.tokens} tokens (LIMIT_TOKENS); send large inputs as variables`,
              limits.tokens,
            );
          }
          throw error;
        }
      });
    },

    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const context = args.contextValue as Context;
      const { role, isProducer } = context.viewer;
      const max: OperationLimits = isProducer ? limits.producer : limits.reader;
      const over = (limit: LimitName, setting: string, actual: number, maximum: number, hint = '') =>
        limitError(
          limit,
          `Operation ${limit} ${actual} is over the limit of ${maximum} for the ${role} role (${isProducer ? 'PRODUCER_LIMIT_' : 'LIMIT_'}${setting})${hint}`,
          maximum,
          actual,
        );
      const stop = (errors: GraphQLError[]) => setResultAndStopExecution({ errors });

      const { aliases, introspectionRoots } = countSelections(operation.selectionSet, args.document);
      if (introspectionRoots > 1) {
        return stop([
          limitError(
            'introspection',
            `Operation asks for the schema ${introspectionRoots} times; once (one __schema or __type) is enough`,
            1,
            introspectionRoots,
          ),
        ]);
      }
      if (aliases > max.aliases) return stop([over('aliases', 'ALIASES', aliases, max.aliases)]);
      const variablesDepth = nestingDepth(args.variableValues ?? {}, VARIABLES_DEPTH_MAX);
      if (variablesDepth > VARIABLES_DEPTH_MAX) {
        return stop([
          limitError(
            'variables',
            `The variables nest more than ${VARIABLES_DEPTH_MAX} levels deep`,
            VARIABLES_DEPTH_MAX,
          ),
        ]);
      }
      // GraphiQL's schema download is deep but bounded by the schema; the complexity plugin does not measure it.
      if (selectsOnly(operation, isIntrospectionField)) return;

      const measure = () => {
        const errors = validate(args.schema, args.document, [
          createComplexityRule({
            context,
            variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
            operationName: args.operationName,
            validate: ({ depth, complexity, breadth }, report) => {
              if (depth > max.depth) report(over('depth', 'DEPTH', depth, max.depth));
              if (complexity > max.cost) {
                report(over('cost', 'COST', complexity, max.cost, ': ask for smaller pages or fewer fields'));
              }
              if (breadth > max.breadth) report(over('breadth', 'BREADTH', breadth, max.breadth));
            },
          }),
        ]);
        // Only limit errors: invalid variables are left for execution to report, as usual.
        const overLimits = errors.filter((error) => error.extensions?.code === 'OPERATION_LIMIT');
        // No other error: the measure coerced every variable, and execution need not check them again.
        if (errors.length === overLimits.length && args.variableValues)
          variablesChecked.add(args.variableValues);
        return overLimits;
      };
      // Without variables the verdict depends only on the operation and the
      // role, so it is worked out once: the walk costs as much as a small query.
      const overLimits = operation.variableDefinitions?.length
        ? measure()
        : verdicts.get(args.document, `${operation.name?.value ?? ''} ${role}`, measure);
      if (overLimits.length > 0) stop(overLimits);
    },
  };
}
