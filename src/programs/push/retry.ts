/**
 * Which failures of a request are worth another try, and trying again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FolioqlError } from '../client/index.ts';

/** Runs a request, retrying what may pass on a second try; upserts make that safe. */
export type Retry = <T>(run: () => Promise<T>) => Promise<{ result: T; retries: number }>;

export function retrying(delays: readonly number[]): Retry {
  return async (run) => {
    for (let retries = 0; ; retries += 1) {
      try {
        return { result: await run(), retries };
      } catch (error) {
        const delay = delays[retries];
        if (delay === undefined || !isTransient(error)) throw error;
        await sleep(delay);
      }
    }
  };
}

/**
 * A failure on the way, not a refusal: the connection (fetch's TypeError
 * with a system error code), a gateway, a timeout, or a transaction the
 * database aborted for a concurrent one.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof FolioqlError) {
    return [502, 503, 504].includes(error.status) || error.code === 'TRANSACTION_CONFLICT';
  }
  if (error instanceof Error && error.name === 'TimeoutError') return true;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return error instanceof TypeError && typeof cause?.code === 'string';
}

export function describeFailure(error: unknown): string {
  if (error instanceof FolioqlError) return error.code ? `${error.message} (${error.code})` : error.message;
  if (error instanceof TypeError && error.cause instanceof Error)
    return `${error.message}: ${error.cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
