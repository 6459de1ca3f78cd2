/**
 * PostgreSQL errors a client can act on, turned into GraphQL errors that say
 * what happened, and failures to reach PostgreSQL at all, turned into 503
 * DATABASE_UNAVAILABLE. Everything else stays an unexpected error (masked,
 * logged).
 */
import { ERROR_CODES, type ErrorCode } from '../errors.ts';

interface PostgresErrorFields {
  code: string;
  message: string;
  detail?: string;
}

/** What a client is told instead of a database error; `status` is the HTTP status when not 200. */
export interface ClientError {
  code: ErrorCode;
  message: string;
  status?: number;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The PostgreSQL error behind a GraphQL or drizzle error, if there is one. */
export function postgresErrorOf(error: unknown): PostgresErrorFields | undefined {
  return findCause(error, isPostgresError);
}

/** Both drivers' errors carry a five-character SQLSTATE and a severity. */
const isPostgresError = (candidate: { code?: unknown; severity?: unknown }) =>
  typeof candidate.code === 'string' && SQLSTATE.test(candidate.code) && Boolean(candidate.severity);

/** The first of `error` and its causes (GraphQL's originalError, then `cause`) that `matches`. */
function findCause(
  error: unknown,
  matches: (candidate: { code?: unknown; severity?: unknown }) => boolean,
): PostgresErrorFields | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    if (matches(current)) return current as PostgresErrorFields;
    current =
      (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const transactionConflict: ClientError = {
  code: ERROR_CODES.TRANSACTION_CONFLICT,
  message:
    'The operation collided with a concurrent one and was rolled back, several times; nothing was written. Retrying it is safe',
};

const withDetail = ({ message, detail }: PostgresErrorFields) =>
  detail ? `${message} (${detail})` : message;

const databaseUnavailable: ClientError = {
  code: ERROR_CODES.DATABASE_UNAVAILABLE,
  status: 503,
  message:
    'The database cannot be reached right now, so the operation did not run and nothing was written. Retry later',
};

/** The connection failed during COMMIT: whether it was applied cannot be known. */
const commitOutcomeUnknown: ClientError = {
  code: ERROR_CODES.DATABASE_UNAVAILABLE,
  status: 503,
  message:
    'The connection to the database failed while the operation was being committed: its writes, if it made any, may or may not have been kept. Check before repeating it (repeating an upsert is safe)',
};

/**
 * Keyed by SQLSTATE for PostgreSQL's own errors (those with a severity), and
 * by the `code` of postgres.js's connection errors and of the socket errors
 * under them, which carry no severity.
 */
const clientErrors: Record<string, (error: PostgresErrorFields) => ClientError> = {
  // insufficient_privilege: the GRANTs of the caller's role refused it.
  '42501': (error) => ({
    code: ERROR_CODES.FORBIDDEN,
    message: `The database refused this for the request's role: ${error.message}`,
  }),
  '23505': (error) => ({ code: ERROR_CODES.CONFLICT, message: withDetail(error) }),
  '22003': (error) => ({ code: ERROR_CODES.BAD_USER_INPUT, message: withDetail(error) }),
  '22P02': (error) => ({ code: ERROR_CODES.BAD_USER_INPUT, message: withDetail(error) }),
  '22001': (error) => ({ code: ERROR_CODES.BAD_USER_INPUT, message: withDetail(error) }),
  '23502': (error) => ({ code: ERROR_CODES.BAD_USER_INPUT, message: withDetail(error) }),
  '23514': (error) => ({ code: ERROR_CODES.BAD_USER_INPUT, message: withDetail(error) }),
  // A NUL or otherwise unstorable character in text.
  '22021': (error) => ({ code: ERROR_CODES.BAD_USER_INPUT, message: withDetail(error) }),
  '22P05': (error) => ({ code: ERROR_CODES.BAD_USER_INPUT, message: withDetail(error) }),
  // Deadlock, serialization failure: nothing was written
  // (the server already retried); the client may retry too.
  '40P01': () => transactionConflict,
  '40001': () => transactionConflict,
  // lock_not_available: the write lock's lock_timeout (WRITE_WAIT_TIMEOUT_MS)
  // ran out while another instance's writes held it (db/admission.ts).
  '55P03': () => ({
    code: ERROR_CODES.WRITE_BUSY,
    status: 503,
    message:
      'Other writes held the write lock longer than WRITE_WAIT_TIMEOUT_MS; nothing was written. Retrying shortly is safe (upserts are idempotent)',
  }),
  // query_canceled: statement_timeout (or an administrator) stopped it.
  '57014': () => ({
    code: ERROR_CODES.STATEMENT_TIMEOUT,
    message:
      'The database stopped a statement that ran longer than the statement timeout; nothing was written',
  }),
  // in_failed_sql_transaction: an earlier statement of the same operation failed.
  '25P02': () => ({
    code: ERROR_CODES.OPERATION_ABORTED,
    message:
      'Not run: an earlier statement of this operation failed, and an operation runs in one transaction',
  }),

  // The database is unreachable or going away. An open transaction dies with
  // its connection, so nothing of the operation was committed.
  // Class 08, connection exception, but for 08P01 (protocol_violation: a
  // malformed message, such as PGlite's answer to too many parameters, which
  // would fail again: it stays masked) and 08007 (below).
  '08000': () => databaseUnavailable,
  '08001': () => databaseUnavailable,
  '08003': () => databaseUnavailable,
  '08004': () => databaseUnavailable,
  '08006': () => databaseUnavailable,
  // transaction_resolution_unknown.
  '08007': () => commitOutcomeUnknown,
  // admin_shutdown (a fast or immediate stop), crash_shutdown,
  // cannot_connect_now (starting up, shutting down, recovering).
  '57P01': () => databaseUnavailable,
  '57P02': () => databaseUnavailable,
  '57P03': () => databaseUnavailable,
  // too_many_connections: the server's max_connections are taken.
  '53300': () => databaseUnavailable,
  // postgres.js: no connection within connect_timeout; the connection closed
  // or was destroyed under a query; the client was already ended (stopping).
  CONNECT_TIMEOUT: () => databaseUnavailable,
  CONNECTION_CLOSED: () => databaseUnavailable,
  CONNECTION_DESTROYED: () => databaseUnavailable,
  CONNECTION_ENDED: () => databaseUnavailable,
  // connection-deadline.ts: waited DATABASE_CONNECT_TIMEOUT_MS for a connection.
  CONNECTION_WAIT_TIMEOUT: () => databaseUnavailable,
  // connection-deadline.ts: the connection failed while COMMIT was under way,
  // so whether it was applied cannot be known: "nothing was written" would be a guess.
  COMMIT_OUTCOME_UNKNOWN: () => commitOutcomeUnknown,
  // The socket under postgres.js.
  ECONNREFUSED: () => databaseUnavailable,
  ECONNRESET: () => databaseUnavailable,
  ENOTFOUND: () => databaseUnavailable,
  EAI_AGAIN: () => databaseUnavailable,
  ETIMEDOUT: () => databaseUnavailable,
  EHOSTUNREACH: () => databaseUnavailable,
  ENETUNREACH: () => databaseUnavailable,
  EPIPE: () => databaseUnavailable,
};

/**
 * The error a client-facing answer is made from, the outermost of: a
 * PostgreSQL error (mapped or not: an unmapped one stays masked), or an error
 * without a severity whose code the table names (a connection error of the
 * driver or the socket, or one of connection-deadline.ts's).
 */
function mappedErrorOf(error: unknown): PostgresErrorFields | undefined {
  return findCause(error, (candidate) =>
    candidate.severity
      ? isPostgresError(candidate)
      : typeof candidate.code === 'string' && Object.hasOwn(clientErrors, candidate.code),
  );
}

/** The client-facing form of a database error, or undefined if it should stay masked. */
export function clientErrorFor(error: unknown): ClientError | undefined {
  const mapped = mappedErrorOf(error);
  return mapped && clientErrors[mapped.code]?.(mapped);
}

/**
 * Failures to open a connection or begin on one (as opposed to losing one
 * mid-operation): while these happen, nothing waiting for a connection will
 * get one sooner.
 */
const CONNECT_FAILURES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_WAIT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // cannot_connect_now (starting up, shutting down), too_many_connections.
  '57P03',
  '53300',
]);

/** Whether `error` says no connection to the database could be made or begun. */
export function isConnectFailure(error: unknown): boolean {
  const code = mappedErrorOf(error)?.code;
  return code !== undefined && CONNECT_FAILURES.has(code);
}

/** Whether `error` means the database could not be reached or went away (DATABASE_UNAVAILABLE). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return clientErrorFor(error)?.code === ERROR_CODES.DATABASE_UNAVAILABLE;
}
