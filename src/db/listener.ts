/**
 * LISTEN on one connection of its own, outside the pool: one per instance.
 *
 * Behind PgBouncer in transaction mode a LISTEN on a pooled connection would
 * be lost when the transaction ends, so the listener may use another URL
 * (DATABASE_LISTEN_URL) straight to PostgreSQL. postgres.js's own `listen`
 * re-listens after a dropped connection only once, and gives up silently if
 * the database is still away then; this one keeps trying, with backoff, and
 * calls `onConnect` after every successful LISTEN, which is where the caller
 * catches up on what it missed while it was not listening.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { connectionOptions } from './connection-deadline.ts';

export interface ListenHandlers {
  /** A NOTIFY on the channel, with its payload. */
  onNotify(payload: string): void;
  /** LISTEN is in place, first or again after a dropped connection: notifications may have been missed before it. */
  onConnect(): void;
  /** The connection dropped, or LISTEN failed; the listener keeps trying. */
  onError?(error: unknown): void;
}

export interface Listening {
  close(): Promise<void>;
}

/** The application_name of the listening connection, so an operator can find it in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'folioql listen';

export async function listenOnPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
  { connectTimeoutMs }: { connectTimeoutMs: number },
): Promise<Listening> {
  const listenStatement = `listen "${channel.replaceAll('"', '""')}"`;
  let closed = false;
  let establishing: Promise<void> | undefined;
  const client = postgres(url, {
    max: 1,
    // Held for as long as the server runs: never closed for being idle or old.
    idle_timeout: 0,
    max_lifetime: null,
    fetch_types: false,
    ...connectionOptions(connectTimeoutMs),
    connection: { application_name: LISTENER_APPLICATION_NAME },
    onnotice: () => {},
    onnotify: (name: string, payload: string) => {
      if (name === channel) handlers.onNotify(payload);
    },
    onclose: () => {
      if (closed) return;
      handlers.onError?.(new Error('The listening connection closed'));
      void establish();
    },
    // onnotify is postgres.js's connection option behind its own `listen`; its types leave it out.
  } as postgres.Options<{}>);

  /** LISTEN again until it works (or the listener is closed), then tell the caller. */
  function establish(): Promise<void> {
    establishing ??= (async () => {
      for (let attempt = 0; !closed; attempt++) {
        try {
          await client.unsafe(listenStatement);
          establishing = undefined;
          if (!closed) handlers.onConnect();
          return;
        } catch (error) {
          handlers.onError?.(error);
          // Not holding the process open: a stopped server exits without waiting for it.
          await sleep(Math.min(100 * 2 ** attempt, connectTimeoutMs), undefined, { ref: false });
        }
      }
      establishing = undefined;
    })();
    return establishing;
  }

  // The first LISTEN is tried once: a caller starting to listen while the
  // database is away gets the error now, rather than waiting without end.
  try {
    await client.unsafe(listenStatement);
  } catch (error) {
    closed = true;
    await client.end({ timeout: 0 });
    throw error;
  }
  handlers.onConnect();
  return {
    async close() {
      closed = true;
      await client.end({ timeout: 1 });
    },
  };
}
