/**
 * What clients see of errors:
 * - errors made for clients (GraphQLErrors with an extensions.code) pass as
 *   they are;
 * - database errors a client can act on (a refused grant, a duplicate key, a
 *   value out of range) become errors that say so, without the SQL;
 * - anything else (a bug, a database that went away) becomes "Unexpected
 *   error." with an id, and the server logs the real error under that id, so
 *   a report from a client leads straight to the log line.
 */
import { randomUUID } from 'node:crypto';
import { createGraphQLError, maskError, type YogaLogger } from 'graphql-yoga';
import { clientErrorFor, postgresErrorOf } from '../db/errors.ts';

const errorIds = new WeakMap<object, string>();
/** Database errors answered with a client error: routine, so logged at debug level only. */
const answeredErrors = new WeakSet<object>();

export function maskUnexpectedError(error: unknown, message: string, isDev?: boolean): Error {
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
      extensions: { code: clientError.code },
    });
  }
  const errorId = randomUUID();
  if (typeof error === 'object' && error !== null) errorIds.set(error, errorId);
  return createGraphQLError(`${message} Error id: ${errorId}`, {
    nodes,
    source,
    positions,
    path,
    extensions: { ...extensions, errorId },
  });
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
      const errorId = errorIds.get(first);
      // The driver's error is the cause of drizzle's, which yoga does not print.
      const cause = postgresErrorOf(first);
      const reason = cause
        ? ` PostgreSQL ${cause.code}: ${cause.message}${cause.detail ? ` (${cause.detail})` : ''}`
        : '';
      if (errorId) logger.error(`Error id ${errorId}:${reason}`, ...args);
      else logger.error(...args);
    },
  };
}
