/**
 * Failing fast while PostgreSQL cannot be reached, and serving again on its
 * own once it is back.
 *
 * postgres.js left to its defaults makes a request wait a long time for a
 * database that is down: a connection attempt may take 30 s
 * (`connect_timeout`); after each failed attempt the next one on any
 * connection waits longer (its backoff grows as 3^failures / 100 s, up to
 * 20 s, shared by the pool); and a query waiting for a connection waits with
 * no limit at all, behind all those attempts. So requests took 6–18 s, and
 * some ran only once the database was back, long after their client had
 * given up.
 *
 * Here:
 * - a connection attempt gives up after DATABASE_CONNECT_TIMEOUT_MS;
 * - the wait between attempts stays under a quarter of that, so the first
 *   request after the database returns is served at once;
 * - a transaction waiting to begin (for a connection to open, or for one of
 *   a busy pool) is given up once the database has answered nothing at all
 *   for DATABASE_CONNECT_TIMEOUT_MS of its wait: the caller gets
 *   CONNECTION_WAIT_TIMEOUT (DATABASE_UNAVAILABLE, 503). Should the begin go
 *   through later, the transaction is rolled back before anything runs in
 *   it, so an operation answered "not run" never runs.
 *
 * "Answered nothing" is what tells a database that is down, unreachable or
 * hung from one that is only busy: a pool whose transactions keep beginning
 * and ending is making progress, and an operation queued behind twenty
 * producers' writes waits its turn as before, however long that takes.
 *
 * And when a transaction's connection goes under it (a shutdown, a killed
 * session, a network failure), its caller is told at once, and nothing more
 * is sent for the transaction, not even postgres.js's own ROLLBACK or
 * COMMIT. postgres.js hands a transaction's later statements to the same
 * pooled connection, which the pool connects again for the next query that
 * needs it (under load, tens of milliseconds after the close): they would
 * run there outside any transaction, as the login role, and its COMMIT or
 * ROLLBACK would end whatever transaction that new session is in
 * (porsager/postgres#1216, unfixed in 3.4.9). While the connection is still
 * closed, postgres.js as patched (patches/postgres+3.4.9.patch) fails such a
 * statement; unpatched, it crashed the process (porsager/postgres#1154,
 * #1208). test/database-outage.test.ts cuts a connection mid-operation.
 *
 * A read's statement, sent outside any transaction with its role setup as
 * its prelude (role-transaction.ts), is given up on in the same way: after
 * DATABASE_CONNECT_TIMEOUT_MS of silence from the database. Should the
 * server answer it later, nobody waits for the answer, and it wrote nothing
 * (the setup made it read-only).
 *
 * Those two are the only ways requests reach the database (see
 * role-transaction.ts); startup (migrations, role checks) runs outside them
 * and waits as long as postgres.js does.
 */
import type { Sql } from 'postgres';
import { isDatabaseUnavailable } from './errors.ts';

/** postgres.js options for a pool that gives up on an unreachable server after `connectTimeoutMs`. */
export function connectionOptions(connectTimeoutMs: number): {
  connect_timeout: number;
  backoff: (retries: number) => number;
} {
  const maxBackoffSeconds = connectTimeoutMs / 4 / 1000;
  return {
    // In seconds; postgres.js sets its timer to seconds * 1000, so fractions work.
    connect_timeout: connectTimeoutMs / 1000,
    // postgres.js's own curve (with its jitter), capped.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, maxBackoffSeconds),
  };
}

/** The transaction did not begin in time, or a read's statement was not answered: given up on. */
export class ConnectionWaitTimeoutError extends Error {
  override name = 'ConnectionWaitTimeoutError';
  readonly code = 'CONNECTION_WAIT_TIMEOUT';
  constructor(
    readonly timeoutMs: number,
    what = 'the transaction was not begun',
  ) {
    super(`No database connection within ${timeoutMs} ms; ${what}`);
  }
}

/**
 * The connection failed while COMMIT was under way: the server may have
 * committed before the connection went, or not.
 */
export class CommitOutcomeUnknownError extends Error {
  override name = 'CommitOutcomeUnknownError';
  readonly code = 'COMMIT_OUTCOME_UNKNOWN';
  constructor(cause: unknown) {
    super('The database connection failed while a transaction was being committed', { cause });
  }
}

/**
 * `client`, whose `begin` gives up after `timeoutMs` of waiting without any
 * sign of life from the database (see above).
 */
export function withConnectionDeadline(client: Sql, timeoutMs: number): Sql {
  const pool: PoolLife = { lastAnswerAt: -Infinity };
  const unsafe = ((text, parameters, options) => {
    const query = client.unsafe(text, parameters, options);
    return options?.prelude ? statementWithin(query, timeoutMs, pool) : query;
  }) as Sql['unsafe'];
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') return unsafe;
      if (property !== 'begin') return Reflect.get(target, property, receiver);
      return (work: (tx: Sql) => unknown) => beginWithin(target, timeoutMs, work, pool);
    },
  });
}

interface PoolLife {
  /** When the server last answered a BEGIN, a read's statement, or ended a transaction (performance.now()). */
  lastAnswerAt: number;
}

/**
 * Calls `giveUp` once the database has answered nothing at all for
 * `timeoutMs` of this wait; `cancel` when the wait is over.
 */
function giveUpAfterSilence(timeoutMs: number, pool: PoolLife, giveUp: () => void): { cancel(): void } {
  const waitingSince = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const giveUpIfSilent = () => {
    const silentSince = Math.max(waitingSince, pool.lastAnswerAt);
    const left = silentSince + timeoutMs - performance.now();
    if (left > 0) {
      // The database answered someone meanwhile: busy, not gone.
      timer = setTimeout(giveUpIfSilent, left);
      return;
    }
    giveUp();
  };
  timer = setTimeout(giveUpIfSilent, timeoutMs);
  return { cancel: () => clearTimeout(timer) };
}

/**
 * A read's statement (see above), awaited directly or through `.values()` as
 * drizzle does, rejected with CONNECTION_WAIT_TIMEOUT once the database has
 * been silent for `timeoutMs` of its wait.
 */
function statementWithin<T extends ReturnType<Sql['unsafe']>>(
  query: T,
  timeoutMs: number,
  pool: PoolLife,
): T {
  let answer: Promise<unknown> | undefined;
  const answered = () =>
    (answer ??= new Promise((resolve, reject) => {
      const silence = giveUpAfterSilence(timeoutMs, pool, () =>
        reject(new ConnectionWaitTimeoutError(timeoutMs, 'the statement was not answered')),
      );
      query.then(
        (rows) => {
          silence.cancel();
          pool.lastAnswerAt = performance.now();
          resolve(rows);
        },
        (error: unknown) => {
          silence.cancel();
          if (!isDatabaseUnavailable(error)) pool.lastAnswerAt = performance.now();
          reject(error);
        },
      );
    }));
  const pending = {
    values() {
      query.values();
      return pending;
    },
    then: (onAnswer?: (rows: unknown) => unknown, onFailure?: (error: unknown) => unknown) =>
      answered().then(onAnswer, onFailure),
  };
  return pending as unknown as T;
}

function beginWithin(
  client: Sql,
  timeoutMs: number,
  work: (tx: Sql) => unknown,
  pool: PoolLife,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let stage: 'waiting' | 'working' | 'committing' | 'abandoned' | 'lost' = 'waiting';
    const silence = giveUpAfterSilence(timeoutMs, pool, () => {
      if (stage !== 'waiting') return;
      stage = 'abandoned';
      reject(new ConnectionWaitTimeoutError(timeoutMs));
    });

    const connection: TransactionConnection = { lostWith: undefined };
    /** The connection went while the work ran: tell the caller now; nothing more goes out on it. */
    const lose = (error: unknown) => {
      if (connection.lostWith !== undefined) return;
      connection.lostWith = error;
      if (stage !== 'working') return;
      stage = 'lost';
      reject(error);
    };

    client
      .begin(async (tx) => {
        silence.cancel();
        pool.lastAnswerAt = performance.now();
        // Begun after its caller was told it would not run: roll back at once.
        if (stage === 'abandoned') throw new ConnectionWaitTimeoutError(timeoutMs);
        stage = 'working';
        let value: unknown;
        try {
          const pending = work(guardConnection(tx as unknown as Sql, connection, lose));
          value = await (Array.isArray(pending) ? Promise.all(pending) : pending);
        } catch (error) {
          if (connection.lostWith !== undefined) return never();
          throw error;
        }
        // On a connection that is gone, the COMMIT or ROLLBACK postgres.js sends
        // when this settles could reach the session the pool has opened on it
        // since, for other work, and end that session's transaction (see
        // above). So this never settles: the caller has its answer already,
        // and nothing holds on to what is left.
        if (connection.lostWith !== undefined) return never();
        // postgres.js sends COMMIT once this returns.
        stage = 'committing';
        return value;
      })
      .then(
        (value) => {
          pool.lastAnswerAt = performance.now();
          resolve(value);
        },
        (error: unknown) => {
          silence.cancel();
          // A statement error or a rollback is an answer too; a lost connection is not.
          const unavailable = isDatabaseUnavailable(error);
          if (!unavailable) pool.lastAnswerAt = performance.now();
          // While the work runs, begin rejects only when the connection closes.
          if (stage === 'working') return lose(error);
          // Its caller already has its answer: this is the rollback above, a
          // failure of a transaction that never ran anything, or the loss.
          if (stage === 'abandoned' || stage === 'lost') return;
          reject(stage === 'committing' && unavailable ? new CommitOutcomeUnknownError(error) : error);
        },
      );
  });
}

interface TransactionConnection {
  /** The error the connection was lost with, once it was. */
  lostWith: unknown;
}

const never = () => new Promise<never>(() => {});

/**
 * Errors that end the session: the server ends it after a FATAL error (an
 * administrator's pg_terminate_backend, a fast shutdown), and postgres.js
 * reports a closed or destroyed connection and socket errors.
 */
function endsTheSession(error: unknown): boolean {
  const { severity } = error as { severity?: unknown };
  if (severity === 'FATAL' || severity === 'PANIC') return true;
  return !severity && isDatabaseUnavailable(error);
}

/**
 * The transaction's handle, which stops sending statements once the
 * connection is lost. A statement's failure is seen as postgres.js rejects
 * it, synchronously (through the query's own `reject`), before any code
 * that awaits it can start another statement on the dying connection.
 */
function guardConnection(tx: Sql, connection: TransactionConnection, lose: (error: unknown) => void): Sql {
  return new Proxy(tx, {
    get(target, property, receiver) {
      if (property !== 'unsafe') return Reflect.get(target, property, receiver);
      return (...args: Parameters<Sql['unsafe']>) => {
        if (connection.lostWith !== undefined) return refused(connection.lostWith);
        const query = target.unsafe(...args);
        const { reject } = query as unknown as { reject?: (error: unknown) => void };
        if (typeof reject === 'function') {
          (query as unknown as { reject: (error: unknown) => void }).reject = (error) => {
            if (endsTheSession(error)) lose(error);
            reject(error);
          };
        }
        return query;
      };
    },
  });
}

/** What drizzle gets instead of a query on a lost connection: awaited directly or through `.values()`. */
function refused(error: unknown) {
  const failed = Promise.reject(error);
  return Object.assign(failed, { values: () => failed });
}
