/**
 * PostgreSQL errors a client can act on, turned into GraphQL errors that say
 * what happened. Everything else stays an unexpected error (masked, logged).
 */
interface PostgresErrorFields {
  code: string;
  message: string;
  detail?: string;
}

/** The PostgreSQL error behind a GraphQL or drizzle error, if there is one. */
export function postgresErrorOf(error: unknown): PostgresErrorFields | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const candidate = current as { code?: unknown; message?: unknown; severity?: unknown };
    // Both drivers' errors carry a five-character SQLSTATE and a severity.
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) && candidate.severity) {
      return current as PostgresErrorFields;
    }
    current =
      (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const transactionConflict = {
  code: 'TRANSACTION_CONFLICT',
  message:
    'The operation collided with a concurrent one and was rolled back, several times; nothing was written. Retrying it is safe',
};

const withDetail = ({ message, detail }: PostgresErrorFields) =>
  detail ? `${message} (${detail})` : message;

const clientErrors: Record<string, (error: PostgresErrorFields) => { code: string; message: string }> = {
  // insufficient_privilege: the GRANTs of the caller's role refused it.
  '42501': (error) => ({
    code: 'FORBIDDEN',
    message: `The database refused this for the request's role: ${error.message}`,
  }),
  '23505': (error) => ({ code: 'CONFLICT', message: withDetail(error) }),
  '22003': (error) => ({ code: 'BAD_USER_INPUT', message: withDetail(error) }),
  '22P02': (error) => ({ code: 'BAD_USER_INPUT', message: withDetail(error) }),
  '22001': (error) => ({ code: 'BAD_USER_INPUT', message: withDetail(error) }),
  '23502': (error) => ({ code: 'BAD_USER_INPUT', message: withDetail(error) }),
  '23514': (error) => ({ code: 'BAD_USER_INPUT', message: withDetail(error) }),
  // A NUL or otherwise unstorable character in text.
  '22021': (error) => ({ code: 'BAD_USER_INPUT', message: withDetail(error) }),
  '22P05': (error) => ({ code: 'BAD_USER_INPUT', message: withDetail(error) }),
  // Deadlock, serialization failure, lock not available: nothing was written
  // (the server already retried); the client may retry too.
  '40P01': () => transactionConflict,
  '40001': () => transactionConflict,
  '55P03': () => transactionConflict,
  // query_canceled: statement_timeout (or an administrator) stopped it.
  '57014': () => ({
    code: 'STATEMENT_TIMEOUT',
    message:
      'The database stopped a statement that ran longer than the statement timeout; nothing was written',
  }),
  // in_failed_sql_transaction: an earlier statement of the same operation failed.
  '25P02': () => ({
    code: 'OPERATION_ABORTED',
    message:
      'Not run: an earlier statement of this operation failed, and an operation runs in one transaction',
  }),
};

/** The client-facing form of a database error, or undefined if it should stay masked. */
export function clientErrorFor(error: unknown): { code: string; message: string } | undefined {
  const postgresError = postgresErrorOf(error);
  if (!postgresError) return undefined;
  return clientErrors[postgresError.code]?.(postgresError);
}
