/**
 * Runs each GraphQL operation's database work in one transaction, under the
 * caller's PostgreSQL role, with the token's claims where row-level-security
 * policies read them (the names PostgREST uses). So GRANTs hold even if a
 * resolver forgets a check, and an operation keeps all of its writes or none.
 *
 * The role and claims are transaction-local (set_config(…, true)): nothing
 * outlives the transaction on the connection, which keeps the server safe
 * behind PgBouncer in transaction mode.
 */
import { sql } from 'drizzle-orm';
import { getOperationAST, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import type { DatabaseConnection } from '../db/database.ts';

/** Introspection (GraphiQL's schema download) reads no table: no transaction for it. */
function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === 'Field' && selection.name.value.startsWith('__'),
  );
}

export function useOperationTransaction(database: DatabaseConnection): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || isIntrospectionOnly(operation)) return;
      const isMutation = operation.operation === 'mutation';
      setExecuteFn(async (executionArgs) => {
        const context = executionArgs.contextValue as Context;
        const { role, claims } = context.viewer;
        const outside = context.db;
        let result: ExecutionResult | undefined;
        try {
          await database.db.transaction(async (tx) => {
            await tx.execute(
              sql`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`,
            );
            context.db = tx;
            result = (await executeFn(executionArgs)) as ExecutionResult;
            // An operation with an error keeps none of its writes.
            if (result.errors?.length) tx.rollback();
          });
        } catch (error) {
          // The errors are in the result already; the transaction was rolled back.
          // A rolled-back mutation's data would describe writes that did not happen.
          if (result?.errors?.length) return isMutation ? { ...result, data: null } : result;
          // The role could not be set, or COMMIT failed: nothing was written.
          throw error;
        } finally {
          context.db = outside;
        }
        return result!;
      });
    },
  };
}
