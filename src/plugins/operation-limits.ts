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
import { createRequire } from 'node:module';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  GraphQLError,
  Lexer,
  Source,
  TokenKind,
  validate,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type * as JitVariables from 'graphql-jit/dist/variables';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig, OperationLimits } from '../config.ts';
import type { Context } from '../context.ts';
import { clientError, ERROR_CODES } from '../errors.ts';
import { takesSelfContainingInput } from './compiled-execution.ts';
import { isIntrospectionField, PerDocument, selectsOnly, type OperationStates } from './operations.ts';
import { summarizeOperation, type OperationSummary } from './selection-summary.ts';

/**
 * Schema introspection's own bounds, whatever the role: GraphiQL's schema
 * download (graphql-js's getIntrospectionQuery) is 15 deep with 230 fields.
 * graphql-js's MaxIntrospectionDepthRule already refuses lists of types
 * nested in lists of types, whose answers grow with the schema's size.
 */
export const INTROSPECTION_LIMITS = { depth: 20, breadth: 1_000 } as const;

/** Most directives one operation may use: `@include` and `@skip` on every field of a large query fit. */
export const DIRECTIVES_MAX = 50;

/**
 * Most levels of braces, brackets and parentheses in a document, checked
 * before parsing: room for the deepest LIMIT_DEPTH allowed (100) and an
 * input value in an argument, far below what overflows the parser.
 */
export const NESTING_MAX = 128;

/** How deeply variables may nest (a `where` inside `and` inside `or` …); far beyond any real filter. */
const VARIABLES_DEPTH_MAX = 32;

// graphql-jit's compiled variable parser. Not among its package's named
// exports; the CommonJS build, because the ES module build of this file
// imports its siblings without file extensions, which Node refuses.
const { compileVariableParsing, failToParseVariables } = createRequire(import.meta.url)(
  'graphql-jit/dist/variables.js',
) as typeof JitVariables;

type LimitName =
  'depth' | 'cost' | 'aliases' | 'breadth' | 'introspection' | 'variables' | 'tokens' | 'directives';

function limitError(limit: LimitName, message: string, max: number, actual?: number) {
  return clientError(ERROR_CODES.OPERATION_LIMIT, message, {
    status: 400,
    extensions: { limit, max, actual },
  });
}

/**
 * How deeply a document's braces, brackets and parentheses nest, read by
 * graphql-js's own lexer (so strings and comments do not count) in one pass
 * and without recursion. Stops after `maxTokens`, where parsing will stop
 * too; a lexical error is left for the parser to report.
 */
function bracketNesting(source: string | Source, maxTokens: number): number {
  const lexer = new Lexer(typeof source === 'string' ? new Source(source) : source);
  let depth = 0;
  let deepest = 0;
  try {
    for (let tokens = 0; tokens <= maxTokens && deepest <= NESTING_MAX; tokens++) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) break;
      if (OPENING.has(token.kind)) deepest = Math.max(deepest, ++depth);
      else if (CLOSING.has(token.kind)) depth--;
    }
  } catch {
    return deepest;
  }
  return deepest;
}

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

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

export function useOperationLimits(limits: LimitsConfig, operations: OperationStates): Plugin<Context> {
  const verdicts = new PerDocument<GraphQLError[]>();
  const sizes = new PerDocument<OperationSummary>();
  /** Per document and operation: graphql-jit's variable parser, or null where it cannot make one. */
  const variableParsers = new PerDocument<ReturnType<typeof compileVariableParsing> | null>();
  return {
    onValidate({ addValidationRule }) {
      // A generic limit, the same for every role: graphql-armor's rule. It sums
      // each fragment once and reuses the sum at every spread, as
      // selection-summary.ts does, so it is linear too.
      addValidationRule(
        maxDirectivesRule({
          n: DIRECTIVES_MAX,
          propagateOnRejection: false,
          onReject: [
            (context, error) =>
              context?.reportError(
                limitError(
                  'directives',
                  `The operation uses more than ${DIRECTIVES_MAX} directives (${error.message.replace(/^Syntax Error: /, '')})`,
                  DIRECTIVES_MAX,
                ),
              ),
          ],
        }),
      );
    },

    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        // graphql-js parses by recursion: a document nested a few thousand
        // levels deep overflows the stack, or costs seconds in what follows.
        const nesting = bracketNesting(source, limits.tokens);
        if (nesting > NESTING_MAX) {
          throw limitError(
            'depth',
            `The document nests more than ${NESTING_MAX} levels of braces, brackets and parentheses`,
            NESTING_MAX,
          );
        }
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

    // Yoga marks every parse error (the token limit is one) as the
    // GraphQL-over-HTTP spec's, which answers `application/json` with 200; a
    // limit is answered with 400 whatever the client accepts, as the others are.
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        for (const error of (single as { errors?: readonly GraphQLError[] }).errors ?? []) {
          const http = error.extensions?.http as { spec?: boolean } | undefined;
          if (error.extensions?.code === 'OPERATION_LIMIT' && http) http.spec = false;
        }
      }
    },

    // Subscriptions are held to the same limits as queries, before their stream starts.
    onSubscribe: checkLimits,
    onExecute: checkLimits,
  };

  function checkLimits({ args, setResultAndStopExecution }: LimitCheck): void {
    const state = operations.of(args);
    const { operation } = state;
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

    const size = sizes.get(args.document, operation.name?.value ?? '', () =>
      summarizeOperation(args.document, operation),
    );
    if (size.introspectionRoots > 1) {
      return stop([
        limitError(
          'introspection',
          `Operation asks for the schema ${size.introspectionRoots} times; once (one __schema or __type) is enough`,
          1,
          size.introspectionRoots,
        ),
      ]);
    }
    if (size.aliases > max.aliases) return stop([over('aliases', 'ALIASES', size.aliases, max.aliases)]);
    // Depth and breadth, counted once per document by the linear walk. The
    // complexity rule below counts the same for data fields, but does not
    // look inside introspection (`__schema`, `__type`, only valid at the
    // root): with any, the walk's counts are held to the role's limits or
    // introspection's bounds, whichever is larger.
    const introspects = size.introspectionRoots > 0;
    const measured = { depth: size.depth, breadth: size.fields };
    for (const [limit, setting] of [
      ['depth', 'DEPTH'],
      ['breadth', 'BREADTH'],
    ] as const) {
      const actual = measured[limit];
      if (!introspects && actual > max[limit]) return stop([over(limit, setting, actual, max[limit])]);
      const ceiling = Math.max(max[limit], INTROSPECTION_LIMITS[limit]);
      if (introspects && actual > ceiling) {
        return stop([
          limitError(
            limit,
            `Operation ${limit} ${actual} is over the limit of ${ceiling} for an operation that introspects the schema`,
            ceiling,
            actual,
          ),
        ]);
      }
    }
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
    // Introspection alone is within its ceilings now; it reads no table and costs what the schema holds.
    if (selectsOnly(operation, isIntrospectionField)) return;

    const measure = (coercedVariableValues?: Record<string, unknown>) => {
      const errors = validate(args.schema, args.document, [
        createComplexityRule({
          context,
          variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
          coercedVariableValues,
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
      // Only limit errors: anything else is left for execution to report, as usual.
      return errors.filter((error) => error.extensions?.code === 'OPERATION_LIMIT');
    };
    const measureWithVariables = () => {
      // Coerced once, by graphql-jit's parser compiled for this operation:
      // graphql-js's generic coercion of a 10,000-trade batch took a fifth
      // of the write's CPU. Not for a type that contains itself (the
      // filters), whose coercion graphql-jit cannot compile (compiled-execution.ts).
      const parse = variableParsers.get(args.document, operation.name?.value ?? '', () =>
        takesSelfContainingInput(args.schema, operation)
          ? null
          : compileVariableParsing(args.schema, operation.variableDefinitions ?? []),
      );
      if (!parse) return measure();
      const parsed = parse(args.variableValues ?? {});
      // Invalid variables are left for execution to report, with graphql-js's
      // messages; there is no page size to measure in them.
      if (failToParseVariables(parsed)) return [];
      // Execution need not check them again (compiled-execution.ts).
      state.variablesChecked = true;
      return measure(parsed.coerced);
    };
    // Without variables the verdict depends only on the operation and the
    // role, so it is worked out once: the walk costs as much as a small query.
    const overLimits = operation.variableDefinitions?.length
      ? measureWithVariables()
      : verdicts.get(args.document, `${operation.name?.value ?? ''} ${role}`, () => measure());
    if (overLimits.length > 0) stop(overLimits);
  }
}

/** What onExecute and onSubscribe both give: the operation, and a way to refuse it. */
interface LimitCheck {
  args: ExecutionArgs;
  setResultAndStopExecution(result: ExecutionResult): void;
}
