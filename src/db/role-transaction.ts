/**
 * One transaction under a caller's role: the only way request code reaches
 * the database. `withRoleTransaction` (from `createRoleTransactions`) is the
 * entry for queries, mutations and subscription events alike: admission,
 * then the transaction, tried again where the database gave up on it.
 *
 * Its first statement switches the role, hands over the token's claims where
 * row-level-security policies read them (request.jwt.claims, PostgREST's
 * name), takes the write lock for writing operations, and sets the statement
 * timeout, all transaction-local (set_config(…, true)): nothing outlives
 * the transaction on the connection, which keeps the server safe behind
 * PgBouncer in transaction mode. The lock timeout is set before the lock is
 * taken and reset after it, and the statement timeout last, so it does not
 * cut short that wait.
 *
 * The setup is started, not awaited: the work's first statement is queued
 * behind it on the connection and goes out in the same round trip.
 * PostgreSQL runs them in the order sent, and aborts the transaction (so
 * runs nothing more, under any role) if the setup fails; the setup's error
 * is then the one reported. The order sent is the order started only because
 * the setup takes the same path through drizzle as the work's queries (a
 * query builder, started by `.then`): drizzle's raw `execute` reaches the
 * driver a few microtasks later, and a read started after it would overtake
 * it. test/round-trips.test.ts checks the order on the wire.
 *
 * A read-only operation on PostgreSQL opens no transaction at all
 * (`inRoleStatements`): each of its statements carries the same setup as a
 * prelude, in the same batch before one Sync, so PostgreSQL runs the two in
 * one implicit transaction. The statement runs under the role, read-only, in
 * one round trip where a transaction took three (BEGIN, setup with the
 * statement, COMMIT), and if the setup fails the statement is not run. Under
 * READ COMMITTED each statement of a transaction reads its own snapshot
 * anyway, so a read sees nothing different.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { GraphQLError } from 'graphql';
import { clientError, ERROR_CODES } from '../errors.ts';
import type { Logger } from 'drizzle-orm/logger';
import type { Database, DatabaseConnection, Prelude } from './database.ts';
import { isConnectFailure, postgresErrorOf } from './errors.ts';

export interface RoleSession {
  role: string;
  claims: Record<string, unknown>;
  /** Longest a statement may run; 0 for no limit. */
  statementTimeoutMs: number;
  /**
   * Wait for, then hold until the end, the one write lock: writing
   * transactions then run one at a time and can never deadlock one another,
   * whatever order their statements lock rows in. Reads never wait for it.
   */
  writes?: boolean;
  /** Longest a writing transaction waits for the write lock (lock_timeout); 0 for no limit. */
  lockTimeoutMs?: number;
  /** Only reads: PostgreSQL refuses any write (transaction_read_only). */
  readOnly?: boolean;
  /**
   * When the operation's time budget ends (epoch ms): statements are not
   * started after it, and none is allowed to run past it by much (the
   * statement timeout is cut to what is left of the budget).
   */
  deadline?: number;
}

/** Arbitrary, fixed: the transaction-scoped advisory lock writing operations take. */
export const WRITE_LOCK_KEY = 7_215_304_120;

/** The operation's time budget ran out before this statement was sent; it was not. */
export function operationTimedOut(): GraphQLError {
  return clientError(
    ERROR_CODES.OPERATION_TIMEOUT,
    'The operation ran out of its time budget (OPERATION_TIMEOUT_MS); statements not started by then were not run, and a mutation kept none of its writes',
  );
}

export class OperationFinishedError extends Error {
  override name = 'OperationFinishedError';
  constructor() {
    super("A statement was started after its operation's transaction had ended; it was not sent");
  }
}

/**
 * Refuses statements on `tx` once `close()` is called. Work that outlives the
 * operation (a resolver still running after a sibling failed the operation)
 * must not reach the connection: after the transaction ends, postgres.js
 * would run it outside any transaction, as the login role.
 */
function guardAfterClose(tx: Database, deadline = Infinity): { close(): void } {
  // drizzle logs every statement just before sending it, through the
  // session's logger, so this is where a late one can be stopped.
  const session = (tx as unknown as { session: { logger: Logger } }).session;
  const inner = session.logger;
  let closed = false;
  session.logger = {
    logQuery(query, params) {
      if (closed) throw new OperationFinishedError();
      if (Date.now() > deadline) throw operationTimedOut();
      inner.logQuery(query, params);
    },
  };
  return {
    close() {
      closed = true;
    },
  };
}

/** What is left of the budget bounds each statement, however long the statement timeout. */
function statementTimeoutOf(session: RoleSession): number {
  if (session.deadline === undefined) return session.statementTimeoutMs;
  return Math.max(1, Math.min(session.statementTimeoutMs || Infinity, session.deadline - Date.now()));
}

/** The role setup of a read-only statement, sent ahead of it (see the file header). */
const READ_SETUP = `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
  set_config('transaction_read_only', 'on', true), set_config('statement_timeout', $3, true)`;

/**
 * Runs read-only `work` as `session.role` without a transaction: each
 * statement goes out with the role setup ahead of it (see the file header).
 * Nothing can be written: the setup makes each statement's implicit
 * transaction read-only, so a write a resolver should not have started is
 * refused by PostgreSQL.
 */
export async function inRoleStatements<T>(
  withPrelude: NonNullable<DatabaseConnection['withPrelude']>,
  session: RoleSession,
  work: (tx: Database) => Promise<{ value: T }>,
): Promise<T> {
  const claims = JSON.stringify(session.claims);
  const setup = (): Prelude => ({
    string: READ_SETUP,
    parameters: [session.role, claims, String(Math.round(statementTimeoutOf(session)))],
  });
  const statements = withPrelude(setup);
  const guard = guardAfterClose(statements, session.deadline);
  try {
    return (await work(statements)).value;
  } finally {
    guard.close();
  }
}

/**
 * Runs `work` in a transaction as `session.role`. The work says whether to
 * commit; with `commit: false` everything it wrote is rolled back and its
 * value still returned. Throws if the transaction could not start or commit.
 */
export async function inRoleTransaction<T>(
  db: Database,
  session: RoleSession,
  work: (tx: Database) => Promise<{ value: T; commit: boolean }>,
): Promise<T> {
  let outcome: { value: T; commit: boolean } | undefined;
  let setupFailure: { error: unknown } | undefined;
  try {
    await db.transaction(async (tx) => {
      const guard = guardAfterClose(tx, session.deadline);
      const statementTimeoutMs = statementTimeoutOf(session);
      try {
        // One statement, started and not awaited (see the file header).
        const setup = tx
          .select({
            role: sql`set_config('role', ${session.role}, true)`,
            claims: sql`set_config('request.jwt.claims', ${JSON.stringify(session.claims)}, true)`,
            ...(session.readOnly ? { readOnly: sql`set_config('transaction_read_only', 'on', true)` } : {}),
            ...(session.writes
              ? {
                  lockTimeout: sql`set_config('lock_timeout', ${String(session.lockTimeoutMs ?? 0)}, true)`,
                  lock: sql`pg_advisory_xact_lock(${WRITE_LOCK_KEY})`,
                  // Only the wait for the write lock is bounded so; the writes' own statements are not.
                  lockTimeoutReset: sql`set_config('lock_timeout', '0', true)`,
                }
              : {}),
            timeout: sql`set_config('statement_timeout', ${String(Math.round(statementTimeoutMs))}, true)`,
          })
          // A FROM is what drizzle's select needs; one row of no columns.
          .from(sql`(select) as no_table`)
          .then(
            () => undefined,
            (error: unknown) => {
              setupFailure = { error };
              throw error;
            },
          );
        // Awaited below on every path; until then its failure is not "unhandled".
        setup.catch(() => {});
        try {
          outcome = await work(tx);
        } finally {
          await setup;
        }
      } finally {
        guard.close();
      }
      if (!outcome.commit) tx.rollback();
    });
  } catch (error) {
    // A failed setup (the lock's wait timed out, the role was refused) is
    // what went wrong, even where the work caught its own statements'
    // "transaction aborted" errors and made a result of them.
    if (setupFailure) throw setupFailure.error;
    // Rolled back as the work asked (drivers report that, or the statement
    // error that made the work fail, by throwing).
    if (outcome && !outcome.commit) return outcome.value;
    throw error;
  }
  return outcome!.value;
}

/** Deadlock and serialization failure: the database gave up on the transaction, and trying again is safe. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

/** Whether `failure` (an error, or one of a result's errors) is one that trying again may not meet. */
export function isRetryableFailure(failure: unknown): boolean {
  const code = postgresErrorOf(failure)?.code;
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

/** What one attempt's work decided: commit or roll back, and what went wrong in it. */
export interface AttemptOutcome<T> {
  value: T;
  commit: boolean;
  /**
   * Failures the work made part of its value, as GraphQL does with its
   * fields' errors. One that trying again may fix (`isRetryableFailure`)
   * has the attempt tried again (not after the last); one that says the
   * database cannot be reached fails the attempt as a whole, as a failed
   * BEGIN would, so that those waiting for a connection are answered now.
   */
  errors?: readonly unknown[];
}

export interface RoleTransactionOptions {
  /** Waits for the write turn and takes the write lock (only a producer's mutation). */
  writes: boolean;
  /** When the whole operation's budget ends (epoch ms); unless given, OPERATION_TIMEOUT_MS from now. */
  deadline?: number;
  /**
   * The work only reads (a query, a subscription's event), and PostgreSQL
   * refuses it any write. On PostgreSQL its statements run without a
   * transaction, each under the role with the setup ahead of it
   * (`inRoleStatements`); on PGlite, in a read-only transaction. Not with
   * `writes`.
   */
  readOnly?: boolean;
}

/**
 * Runs `work` in one transaction as `viewer`'s role: admitted first (write
 * turn, connection), and tried up to three times in all, each in a fresh
 * transaction, while the database gives up on it (deadlock, serialization
 * failure) by an error or by what the work reports. One budget covers every
 * attempt and every wait.
 */
export type WithRoleTransaction = <T>(
  viewer: Pick<RoleSession, 'role' | 'claims'>,
  options: RoleTransactionOptions,
  work: (tx: Database) => Promise<AttemptOutcome<T>>,
) => Promise<T>;

/** `withRoleTransaction` bound to one database connection and the server's timeouts. */
export function createRoleTransactions(
  database: Pick<DatabaseConnection, 'db' | 'admission' | 'withPrelude'>,
  { statementTimeoutMs, operationTimeoutMs }: { statementTimeoutMs: number; operationTimeoutMs: number },
): WithRoleTransaction {
  const { db, admission, withPrelude } = database;
  return async function withRoleTransaction<T>(
    { role, claims }: Pick<RoleSession, 'role' | 'claims'>,
    { writes, deadline = Date.now() + operationTimeoutMs, readOnly = false }: RoleTransactionOptions,
    work: (tx: Database) => Promise<AttemptOutcome<T>>,
  ): Promise<T> {
    const session: RoleSession = {
      role,
      claims,
      statementTimeoutMs,
      writes,
      lockTimeoutMs: admission.options.writeWaitMs,
      deadline,
      readOnly,
    };
    const withoutTransaction = readOnly && withPrelude;
    const attempt = () =>
      admission.run({ writes, deadline }, async () => {
        const outcome = withoutTransaction
          ? await inRoleStatements(withoutTransaction, session, async (tx) => ({ value: await work(tx) }))
          : await inRoleTransaction(db, session, async (tx) => {
              const outcome = await work(tx);
              return { value: outcome, commit: outcome.commit };
            });
        const unreachable = outcome.errors?.find(isConnectFailure);
        if (unreachable) throw unreachable;
        return outcome;
      });

    for (let attemptNumber = 1; ; attemptNumber++) {
      const last = attemptNumber === MAX_ATTEMPTS;
      let outcome: AttemptOutcome<T>;
      try {
        outcome = await attempt();
      } catch (error) {
        if (last || !isRetryableFailure(error)) throw error;
        await sleep(Math.random() * 20 * attemptNumber);
        continue;
      }
      if (!last && outcome.errors?.some(isRetryableFailure)) {
        await sleep(Math.random() * 20 * attemptNumber);
        continue;
      }
      return outcome.value;
    }
  };
}
