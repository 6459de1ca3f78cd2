/**
 * Runs each GraphQL operation in one database transaction under the caller's
 * role (db/role-transaction.ts). So GRANTs hold even if a resolver forgets a
 * check, and an operation keeps all of its writes or none.
 *
 * This is the one place a request gets its database handle: `ctx.db` is the
 * operation's transaction, and nothing else.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context, RequestSettings } from '../context.ts';
import type { DatabaseConnection } from '../db/database.ts';
import { postgresErrorOf } from '../db/errors.ts';
import { inRoleTransaction } from '../db/role-transaction.ts';
import { createLoaders } from '../loaders.ts';
import { selectsOnly } from './root-fields.ts';

/** Root fields that read no table: an operation of only these needs no transaction. */
const NO_DATABASE_FIELDS = new Set(['viewer', '__typename', '__schema', '__type']);

/** Deadlock and serialization failure: the database gave up on the transaction, and trying again is safe. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

function isRetryable(failure: unknown): boolean {
  const code = postgresErrorOf(failure)?.code;
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

export function useOperationTransaction(
  database: DatabaseConnection,
  {
    statementTimeoutMs,
    operationTimeoutMs,
  }: Pick<RequestSettings, 'statementTimeoutMs' | 'operationTimeoutMs'>,
): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || selectsOnly(operation, (name) => NO_DATABASE_FIELDS.has(name))) return;
      const isMutation = operation.operation === 'mutation';

      setExecuteFn(async (executionArgs) => {
        const context = executionArgs.contextValue as Context;
        const { role, claims, isProducer } = context.viewer;
        // Only a producer's mutation waits for the write turn and takes the
        // write lock: anyone else's is refused inside (scopes, then GRANTs)
        // and must not make producers wait behind it.
        const writes = isMutation && isProducer;
        // One budget for the whole operation, its retries and waits included.
        const deadline = Date.now() + operationTimeoutMs;
        const { admission } = database;
        const attempt = () =>
          admission.run({ writes, deadline }, () =>
            inRoleTransaction(
              database.db,
              {
                role,
                claims,
                statementTimeoutMs,
                writes,
                lockTimeoutMs: admission.options.writeWaitMs,
                deadline,
              },
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
                };
                const result = (await executeFn({
                  ...executionArgs,
                  contextValue: attemptContext,
                })) as ExecutionResult;
                // An operation with an error keeps none of its writes.
                return { value: result, commit: !result.errors?.length };
              },
            ),
          );

        for (let attemptNumber = 1; ; attemptNumber++) {
          const last = attemptNumber === MAX_ATTEMPTS;
          let result: ExecutionResult;
          try {
            result = await attempt();
          } catch (error) {
            if (last || !isRetryable(error)) throw error;
            await sleep(Math.random() * 20 * attemptNumber);
            continue;
          }
          if (!last && result.errors?.some(isRetryable)) {
            await sleep(Math.random() * 20 * attemptNumber);
            continue;
          }
          // A rolled-back mutation's data would describe writes that did not happen.
          return isMutation && result.errors?.length ? { ...result, data: null } : result;
        }
      });
    },
  };
}
