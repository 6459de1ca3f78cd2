/**
 * Unexpected errors (bugs, a database that went away) reach clients as
 * "Unexpected error." with an id, and the server logs the real error under
 * the same id, so a report from a client leads straight to the log line.
 * Errors made for clients (GraphQLErrors with an extensions.code) pass as they are.
 */
import { randomUUID } from 'node:crypto';
import { createGraphQLError, maskError, type YogaLogger } from 'graphql-yoga';

const errorIds = new WeakMap<object, string>();

export function maskUnexpectedError(error: unknown, message: string, isDev?: boolean): Error {
  const masked = maskError(error, message, isDev);
  if (masked === error) return masked;
  const errorId = randomUUID();
  if (typeof error === 'object' && error !== null) errorIds.set(error, errorId);
  const { nodes, source, positions, path, extensions } = masked as ReturnType<typeof createGraphQLError>;
  return createGraphQLError(`${message} Error id: ${errorId}`, {
    nodes,
    source,
    positions,
    path,
    extensions: { ...extensions, errorId },
  });
}

/** Yoga logs every masked error; this puts the id the client saw in front of it. */
export function logWithErrorIds(logger: YogaLogger): YogaLogger {
  return {
    ...logger,
    error: (...args: unknown[]) => {
      const first = args[0];
      const errorId = typeof first === 'object' && first !== null ? errorIds.get(first) : undefined;
      if (errorId) logger.error(`Error id ${errorId}:`, ...args);
      else logger.error(...args);
    },
  };
}
