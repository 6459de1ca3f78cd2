/**
 * Runs each GraphQL operation under the caller's role, through
 * `withRoleTransaction` (db/role-transaction.ts): admission, the transaction
 * (a mutation's; a query's statements each carry the role setup instead, and
 * are read-only), and the retries. So GRANTs hold even if a resolver forgets
 * a check, and a mutation keeps all of its writes or none.
 *
 * This is the one place a request gets its database handle: `ctx.db` is the
 * operation's transaction, and nothing else.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { createLoaders } from '../db/loaders.ts';
import { ChangeSet } from '../db/change-log.ts';
import { selectsOnly, type OperationStates } from './operations.ts';

/** Root fields that read no table: an operation of only these needs no transaction. */
const NO_DATABASE_FIELDS = new Set(['viewer', '__typename', '__schema', '__type']);

export function useOperationTransaction(operations: OperationStates): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { operation } = operations.of(args);
      if (!operation || selectsOnly(operation, (name) => NO_DATABASE_FIELDS.has(name))) return;
      const isMutation = operation.operation === 'mutation';

      setExecuteFn(async (executionArgs) => {
        const context = executionArgs.contextValue as Context;
        const { viewer } = context;
        // Only a producer's mutation waits for the write turn and takes the
        // write lock: anyone else's is refused inside (scopes, then GRANTs)
        // and must not make producers wait behind it.
        const writes = isMutation && viewer.isProducer;
        const result = await context.withRoleTransaction(
          viewer,
          { writes, readOnly: !isMutation },
          async (tx) => {
            // Each attempt gets its own context: its own handle, and loaders
            // that cache nothing an aborted attempt read. A resolver of an
            // earlier attempt that is still running keeps that attempt's
            // (ended, refusing) handle. A mutation's fields run in turn and
            // may write what a later one reads, so its loaders only batch.
            const attemptContext: Context = {
              ...context,
              db: tx,
              loaders: createLoaders(tx, { cache: !isMutation }),
              changes: new ChangeSet(),
            };
            const value = (await executeFn({
              ...executionArgs,
              contextValue: attemptContext,
            })) as ExecutionResult;
            // An operation with an error keeps none of its writes; one the
            // database gave up on (deadlock, serialization failure) is tried again.
            const commit = !value.errors?.length;
            // What it changed goes to the change log (and, on commit, to every
            // instance's subscribers) as its last statement: once per operation.
            if (commit && !attemptContext.changes.isEmpty) {
              await attemptContext.changes.record(tx, context.settings.changesRetentionMs);
            }
            return { value, commit, errors: value.errors };
          },
        );
        // A rolled-back mutation's data would describe writes that did not happen.
        return isMutation && result.errors?.length ? { ...result, data: null } : result;
      });
    },
  };
}
