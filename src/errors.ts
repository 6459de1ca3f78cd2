/**
 * The errors clients are meant to read. Each carries an `extensions.code`
 * that a client can branch on; anything else that escapes a resolver is
 * masked by the server (see yoga.ts) so internals never leak.
 */
import { GraphQLError } from 'graphql';

/**
 * PostgreSQL could not be reached, or went away (HTTP 503): the operation did
 * not run, so nothing was written, and the same request may be sent again
 * later. Made from driver errors in db/errors.ts.
 */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/**
 * A write waited too long for its turn, or found too many writes waiting
 * (HTTP 503, `Retry-After`): nothing was written, and sending it again
 * shortly is safe. Made in db/admission.ts, and from PostgreSQL's
 * lock_timeout on the write lock in db/errors.ts.
 */
export const WRITE_BUSY = 'WRITE_BUSY';

/**
 * Every database connection stayed busy longer than
 * DATABASE_ACQUIRE_TIMEOUT_MS (HTTP 503, `Retry-After`): the operation did
 * not run. Made in db/admission.ts.
 */
export const DATABASE_BUSY = 'DATABASE_BUSY';

/**
 * The operation ran out of its time budget (OPERATION_TIMEOUT_MS): statements
 * it had not started by then were not sent, and a mutation kept none of its
 * writes.
 */
export const OPERATION_TIMEOUT = 'OPERATION_TIMEOUT';

/** The request asked for something malformed or out of range. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * A value the database holds that the API cannot answer with: an adopted
 * database may hold anything its column types allow. The message names the
 * row (table and key) and the column, so it can be found and corrected.
 */
export function invalidStoredValue(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'INVALID_STORED_VALUE' } });
}
