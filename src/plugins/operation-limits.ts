/**
 * Limits on how much one operation may ask for: depth, cost, aliases and
 * breadth, by role (producers get looser ones), and a token limit on parsing.
 * Checked when the operation is about to execute, before any SQL runs, and
 * refused with a message that names the limit and the setting that raises it.
 *
 * Not a validation rule: yoga caches validation by document, and these
 * results depend on the caller's role and on the variables (page sizes).
 * Cost comes from the fields' `complexity` (Pothos complexity plugin): 1 a
 * field, times the page size of every list around it.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { getOperationAST, GraphQLError, validate } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig, OperationLimits } from '../config.ts';
import type { Context } from '../context.ts';
import { isIntrospectionField, selectsOnly } from './root-fields.ts';

type LimitName = 'depth' | 'cost' | 'aliases' | 'breadth';

function limitError(limit: LimitName, actual: number, max: number, role: string, setting: string, hint = '') {
  return new GraphQLError(
    `Operation ${limit} ${actual} is over the limit of ${max} for the ${role} role (${setting})${hint}`,
    { extensions: { code: 'OPERATION_LIMIT', limit, max, actual, http: { status: 400 } } },
  );
}

export function useOperationLimits(limits: LimitsConfig): Plugin<Context> {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: limits.tokens });
        } catch (error) {
          if (error instanceof GraphQLError && /contains more th(an|at) \d+ tokens/.test(error.message)) {
            throw new GraphQLError(
              `The document has more than ${limits.tokens} tokens (LIMIT_TOKENS); send large inputs as variables`,
              {
                extensions: {
                  code: 'OPERATION_LIMIT',
                  limit: 'tokens',
                  max: limits.tokens,
                  http: { status: 400 },
                },
              },
            );
          }
          throw error;
        }
      });
    },

    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      // GraphiQL's schema download is deep but cheap; it reads no table.
      if (!operation || selectsOnly(operation, isIntrospectionField)) return;
      const context = args.contextValue as Context;
      const { role, isProducer } = context.viewer;
      const max: OperationLimits = isProducer ? limits.producer : limits.reader;
      const setting = (name: string) => `${isProducer ? 'PRODUCER_LIMIT_' : 'LIMIT_'}${name}`;

      const errors = validate(args.schema, args.document, [
        createComplexityRule({
          context,
          variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
          operationName: args.operationName,
          validate: ({ depth, complexity, breadth }, report) => {
            if (depth > max.depth) report(limitError('depth', depth, max.depth, role, setting('DEPTH')));
            if (complexity > max.cost) {
              report(
                limitError(
                  'cost',
                  complexity,
                  max.cost,
                  role,
                  setting('COST'),
                  ': ask for smaller pages or fewer fields',
                ),
              );
            }
            if (breadth > max.breadth)
              report(limitError('breadth', breadth, max.breadth, role, setting('BREADTH')));
          },
        }),
        maxAliasesRule({
          n: max.aliases,
          propagateOnRejection: false,
          onReject: [
            (validationContext, error) => {
              const actual = Number(/found (\d+)/.exec(error.message)?.[1]);
              validationContext?.reportError(
                limitError('aliases', actual, max.aliases, role, setting('ALIASES')),
              );
            },
          ],
        }),
      ]);
      // Only limit errors: invalid variables are left for execution to report, as usual.
      const overLimits = errors.filter((error) => error.extensions.code === 'OPERATION_LIMIT');
      if (overLimits.length > 0) setResultAndStopExecution({ errors: overLimits });
    },
  };
}
