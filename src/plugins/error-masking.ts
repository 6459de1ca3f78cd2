/**
 * What clients see of errors:
 * - errors made for clients (GraphQLErrors with an extensions.code) pass as
 *   they are;
 * - database errors a client can act on (a refused grant, a duplicate key, a
 *   value out of range) become errors that say so, without the SQL;
 * - a database that cannot be reached becomes DATABASE_UNAVAILABLE, HTTP 503;
 * - anything else (a bug, an embedded database that was closed) becomes "Unexpected
 *   error." with an id, and the server logs the real error under that id, so
 *   a report from a client leads straight to the log line.
 */
import { randomUUID } from 'node:crypto';
import { createGraphQLError, maskError, type YogaLogger } from 'graphql-yoga';
import { clientErrorFor, postgresErrorOf } from '../db/errors.ts';
import { clientErrorExtensions } from '../errors.ts';

/** The id each unexpected error was answered with, and the id of its request. */
const errorIds = new WeakMap<object, { errorId: string; requestId?: string }>();
/** Database errors answered with a client error: routine, so logged at debug level only. */
const answeredErrors = new WeakSet<object>();

export function maskUnexpectedError(
  error: unknown,
  message: string,
  isDev?: boolean,
  requestId?: string,
): Error {
  const masked = maskError(error, message, isDev);
  if (masked === error) return masked;
  const { nodes, source, positions, path, extensions } = masked as ReturnType<typeof createGraphQLError>;
  const clientError = clientErrorFor(error);
  if (clientError) {
    if (typeof error === 'object' && error !== null) answeredErrors.add(error);
    return createGraphQLError(clientError.message, {
      nodes,
      source,
      positions,
      path,
      // Yoga answers with the highest extensions.http.status of the errors
      // (and leaves `http` out of the response body): 503 for a database
      // that cannot be reached, whether a resolver or the transaction's
      // begin (thrown from the execute function) met it.
      extensions: clientErrorExtensions(clientError.code, { status: clientError.status }),
    });
  }
  const errorId = randomUUID();
  if (typeof error === 'object' && error !== null) {
    errorIds.set(error, requestId ? { errorId, requestId } : { errorId });
  }
  return createGraphQLError(`${message} Error id: ${errorId}`, {
    nodes,
    source,
    positions,
    path,
    extensions: { ...extensions, errorId, ...(requestId ? { requestId } : {}) },
  });
}

/** What one app's error masking reports: the request being handled, and each database error met. */
export interface MaskingObserver {
  /** The id of the request `error` belongs to, if known. */
  requestId(error: unknown): string | undefined;
  /** Called once for each error from PostgreSQL, answered or masked, with its SQLSTATE. */
  databaseError(sqlstate: string): void;
}

/** `maskUnexpectedError` for one app: masked errors carry the request id, and database errors are counted. */
export function createMaskError(observer: MaskingObserver) {
  const counted = new WeakSet<object>();
  return (error: unknown, message: string, isDev?: boolean): Error => {
    // By the driver's error: one failure can reach masking wrapped more than once.
    const postgresError = postgresErrorOf(error);
    if (postgresError && !counted.has(postgresError)) {
      counted.add(postgresError);
      observer.databaseError(postgresError.code);
    }
    return maskUnexpectedError(error, message, isDev, observer.requestId(error));
  };
}

/**
 * Yoga logs every masked error; this puts the id the client saw in front of
 * it, and logs each error once (yoga logs an error thrown outside resolvers
 * both when masking it and when handling it).
 */
export function logWithErrorIds(logger: YogaLogger): YogaLogger {
  const logged = new WeakSet<object>();
  return {
    ...logger,
    error: (...args: unknown[]) => {
      const first = args[0];
      if (typeof first !== 'object' || first === null) return logger.error(...args);
      if (logged.has(first)) return;
      logged.add(first);
      if (answeredErrors.has(first)) return logger.debug(...args);
      const ids = errorIds.get(first);
      // The driver's error is the cause of drizzle's, which yoga does not print.
      const cause = postgresErrorOf(first);
      const reason = cause
        ? ` PostgreSQL ${cause.code}: ${cause.message}${cause.detail ? ` (${cause.detail})` : ''}`
        : '';
      // The ids as fields too, for a JSON log (see logger.ts).
      if (ids) logger.error(`Error id ${ids.errorId}:${reason}`, ...args, { ...ids });
      else logger.error(...args);
    },
  };
}
