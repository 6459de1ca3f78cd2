/**
 * The errors clients are meant to read: every `extensions.code` the server
 * answers with, and the constructors that make them. A client can branch on
 * the code; anything else that escapes a resolver is masked by the server
 * (see yoga.ts) so internals never leak. The README's Errors table lists the
 * same codes (test/error-codes.test.ts checks it), and the typed client
 * imports `ErrorCode` from here.
 *
 * HTTP statuses are 200 unless said otherwise.
 */
import { GraphQLError } from 'graphql';

export const ERROR_CODES = {
  /** The Authorization header holds no valid token (HTTP 401, `WWW-Authenticate`). Made in auth/authenticate.ts. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A producer field without a producer role (schema/builder.ts), or a write the database refused for the role (db/errors.ts). */
  FORBIDDEN: 'FORBIDDEN',
  /** The request asked for something malformed or out of range, or a value PostgreSQL cannot take (db/errors.ts). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** A unique key already taken. Made in db/errors.ts. */
  CONFLICT: 'CONFLICT',
  /** A statement not run because an earlier one of the same operation failed. Made in db/errors.ts. */
  OPERATION_ABORTED: 'OPERATION_ABORTED',
  /** Deadlock or serialization failure, after the server's own retries; nothing was written. Made in db/errors.ts. */
  TRANSACTION_CONFLICT: 'TRANSACTION_CONFLICT',
  /** PostgreSQL stopped a statement past the statement timeout; nothing was written. Made in db/errors.ts. */
  STATEMENT_TIMEOUT: 'STATEMENT_TIMEOUT',
  /**
   * The operation ran out of its time budget (OPERATION_TIMEOUT_MS):
   * statements it had not started by then were not sent, and a mutation kept
   * none of its writes. Made in db/role-transaction.ts.
   */
  OPERATION_TIMEOUT: 'OPERATION_TIMEOUT',
  /**
   * A write waited too long for its turn, or found too many writes waiting
   * (HTTP 503, `Retry-After`): nothing was written, and sending it again
   * shortly is safe. Made in db/admission.ts, and from PostgreSQL's
   * lock_timeout on the write lock in db/errors.ts.
   */
  WRITE_BUSY: 'WRITE_BUSY',
  /**
   * Every database connection stayed busy longer than
   * DATABASE_ACQUIRE_TIMEOUT_MS (HTTP 503, `Retry-After`): the operation did
   * not run. Made in db/admission.ts.
   */
  DATABASE_BUSY: 'DATABASE_BUSY',
  /** The operation is over one of the operation limits; nothing ran (HTTP 400). Made in plugins/operation-limits.ts. */
  OPERATION_LIMIT: 'OPERATION_LIMIT',
  /** The request body is over LIMIT_REQUEST_BYTES (HTTP 413). Made by graphql-yoga. */
  REQUEST_ENTITY_TOO_LARGE: 'REQUEST_ENTITY_TOO_LARGE',
  /** A document sent as text to a server that runs only its trusted documents (HTTP 400). Made in plugins/trusted-documents.ts. */
  PERSISTED_QUERY_ONLY: 'PERSISTED_QUERY_ONLY',
  /** A hash that names no trusted document (HTTP 400). Made in plugins/trusted-documents.ts. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Over the requests a minute of a client address or token subject (HTTP 429, `Retry-After`). Made in plugins/rate-limit.ts. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The keys to check a token with could not be had (HTTP 503). Made in auth/authenticate.ts. */
  AUTHENTICATION_UNAVAILABLE: 'AUTHENTICATION_UNAVAILABLE',
  /**
   * PostgreSQL could not be reached, or went away (HTTP 503): the operation did
   * not run, so nothing was written, and the same request may be sent again
   * later. Made from driver errors in db/errors.ts.
   */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /**
   * A value the database holds that the API cannot answer with. Made by
   * `invalidStoredValue` (schema/instant-fields.ts, schema/scalars.ts).
   */
  INVALID_STORED_VALUE: 'INVALID_STORED_VALUE',
  /**
   * A subscription's `after` cursor is older than the change log keeps
   * (CHANGES_RETENTION_MS): the events since were pruned, so it cannot be
   * resumed without a gap. Read the current state again and subscribe
   * without `after`. Made in live/change-feed.ts.
   */
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  /**
   * Over SUBSCRIPTIONS_MAX on this instance, or SUBSCRIPTIONS_PER_CONNECTION
   * on one WebSocket; the subscription did not start. Made in live/.
   */
  SUBSCRIPTION_LIMIT: 'SUBSCRIPTION_LIMIT',
  /**
   * A subscriber fell too far behind the events (SUBSCRIPTION_BUFFER of them
   * unsent): its stream ends with this error; resubscribe with the last
   * cursor to catch up. Made in live/change-feed.ts.
   */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
  /** The subscription's token expired: the stream ends with this error; resubscribe with a fresh token and the last cursor. Made in live/. */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** The server is stopping: the stream ends with this error; resubscribe (to another instance) with the last cursor. Made in live/. */
  SERVER_STOPPING: 'SERVER_STOPPING',
  /** The document is not valid GraphQL text (HTTP 400). Made by graphql-yoga. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The document does not validate against the schema, e.g. an unknown field (HTTP 400). Made by graphql-yoga. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** No single operation to run: none, or several and no (or an unknown) operationName (HTTP 400). Made by graphql-yoga. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** A malformed request: a body that is not JSON, no query, bad params; a mutation sent with GET (HTTP 400, 405 for GET). Made by graphql-yoga. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Anything unexpected, masked: `Unexpected error. Error id: <uuid>`. Made by the error masking (plugins/error-masking.ts). */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** An `extensions.code` the server answers with. */
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ClientErrorOptions {
  /** The HTTP status, when not 200; yoga answers with the highest of a response's errors. */
  status?: number;
  /** Sets a `retry-after` header of this many seconds. */
  retryAfterSeconds?: number;
  /** Other response headers. */
  headers?: Record<string, string>;
  /** Further extensions, after `code` and before `http`. */
  extensions?: Record<string, unknown>;
}

/** The `extensions` of a client error: `code`, any others, and `http` when a status or header is asked for. */
export function clientErrorExtensions(
  code: ErrorCode,
  { status, retryAfterSeconds, headers, extensions }: ClientErrorOptions = {},
): Record<string, unknown> {
  const allHeaders = {
    ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
    ...headers,
  };
  const hasHeaders = Object.keys(allHeaders).length > 0;
  const http =
    status !== undefined || hasHeaders
      ? {
          http: {
            ...(status === undefined ? {} : { status }),
            ...(hasHeaders ? { headers: allHeaders } : {}),
          },
        }
      : {};
  return { code, ...extensions, ...http };
}

/** An error for the client, with `extensions.code`, and an HTTP status and headers when asked for. */
export function clientError(code: ErrorCode, message: string, options?: ClientErrorOptions): GraphQLError {
  return new GraphQLError(message, { extensions: clientErrorExtensions(code, options) });
}

/** The request asked for something malformed or out of range. */
export function badUserInput(message: string): GraphQLError {
  return clientError(ERROR_CODES.BAD_USER_INPUT, message);
}

/**
 * A value the database holds that the API cannot answer with: an adopted
 * database may hold anything its column types allow. The message names the
 * row (table and key) and the column, so it can be found and corrected.
 */
export function invalidStoredValue(message: string): GraphQLError {
  return clientError(ERROR_CODES.INVALID_STORED_VALUE, message);
}
