/**
 * Executes operations with graphql-jit: each document is compiled once into
 * a function that resolves and serializes exactly the fields it selects,
 * instead of graphql-js walking the selection for every row. On this
 * schema that is most of the CPU a large list costs (see README,
 * "Performance").
 *
 * Variables are checked by graphql-js first, and an operation with a bad
 * one goes to the standard executor, because graphql-jit's own messages say
 * only "Expected type Decimal." where the standard ones say which variable,
 * which item, which field and what was wrong with the value.
 *
 * Operations with variables of an input type that contains itself (the
 * `where` filters) are left to graphql-js too: graphql-jit generates
 * coercion code for every field of an input type, and for such a type that
 * code never ends.
 *
 * Checking the variables is itself a full pass over them, as long as the
 * operation's 10,000 trades: where the operation-limits plugin has already
 * coerced the same variables without an error (the operation's
 * `variablesChecked`, see operations.ts), the check is not repeated.
 *
 * Compiled operations are kept per parsed document, and the parser cache
 * keeps at most a bounded number of documents, so this cache is bounded too.
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import {
  getNamedType,
  getVariableValues,
  isInputObjectType,
  typeFromAST,
  type GraphQLInputObjectType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PerDocument, type OperationStates } from './operations.ts';

interface Compiled {
  query: CompiledQuery['query'];
}

export function useCompiledExecution(operations: OperationStates): Plugin {
  /** Per document, per operation name; null for what graphql-jit is not to run. */
  const compiledOperations = new PerDocument<Compiled | null>();

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      // No such operation: the standard executor says so. Keyed by the names
      // the document really has, so made-up names cannot grow the cache.
      const state = operations.of(args);
      const { operation } = state;
      if (!operation) return;
      const compiled = compiledOperations.get(args.document, operation.name?.value ?? '', () => {
        if (takesSelfContainingInput(args.schema, operation)) return null;
        const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
        // What cannot be compiled is left to graphql-js, which reports why.
        return isCompiledQuery(result) ? { query: result.query } : null;
      });
      if (!compiled) return;
      const { query } = compiled;

      setExecuteFn((executionArgs) => {
        const inputs = executionArgs.variableValues ?? {};
        // Bad variables: the standard executor refuses them, with its messages and status.
        const { variableDefinitions = [] } = operation;
        if (
          variableDefinitions.length > 0 &&
          !state.variablesChecked &&
          getVariableValues(executionArgs.schema, variableDefinitions, inputs, { maxErrors: 1 }).errors
        ) {
          return executeFn(executionArgs);
        }
        return query(executionArgs.rootValue, executionArgs.contextValue, inputs);
      });
    },
  };
}

export function takesSelfContainingInput(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  return (operation.variableDefinitions ?? []).some((definition) => {
    const type = typeFromAST(schema, definition.type as never);
    return type !== undefined && reachesACycle(getNamedType(type));
  });
}

/** Whether an input type reaches, through its fields, an input type that contains itself. */
function reachesACycle(start: GraphQLNamedType): boolean {
  const done = new Set<GraphQLInputObjectType>();
  const onPath = new Set<GraphQLInputObjectType>();
  const visit = (type: GraphQLNamedType): boolean => {
    if (!isInputObjectType(type) || done.has(type)) return false;
    if (onPath.has(type)) return true;
    onPath.add(type);
    const found = Object.values(type.getFields()).some((field) => visit(getNamedType(field.type)));
    onPath.delete(type);
    done.add(type);
    return found;
  };
  return visit(start);
}
