/**
 * The readiness probe's question, "does the database answer?", with a
 * deadline: a ping to a server that hangs (a network partition, a frozen
 * host) would otherwise hold /healthz as long as the driver waits.
 */
import type { DatabaseConnection } from './database.ts';

export class PingTimeoutError extends Error {
  override name = 'PingTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`The database did not answer a ping within ${timeoutMs} ms`);
  }
}

/** Resolves if the database answers within `timeoutMs`; rejects with its error or a PingTimeoutError. */
export async function pingWithin(database: DatabaseConnection, timeoutMs: number): Promise<void> {
  const ping = database.ping();
  // A ping that fails after the deadline has nobody left to tell.
  ping.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PingTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    await Promise.race([ping, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
