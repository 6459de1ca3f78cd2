/**
 * A graphql-ws subscriber for tests, shaped like support/sse.ts: collects each
 * result of one subscription on its own socket.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Collector } from './collector.ts';
import type { StreamResult } from './sse.ts';

export interface WsSubscription {
  results: StreamResult[];
  /** Errors the protocol reported (an `error` message, or the socket closing with a reason). */
  failures: unknown[];
  waitFor(count: number, timeoutMs?: number): Promise<StreamResult[]>;
  /** Resolves when the server completes the subscription or it fails. */
  ended: Promise<void>;
  client: Client;
  close(): Promise<void>;
}

export function subscribeWs(
  wsUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  connectionParams: Record<string, unknown> = {},
): WsSubscription {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  const collected = new Collector<StreamResult>();
  const ended = new Promise<void>((resolve) => {
    client.subscribe(
      { query, variables },
      {
        next: (value) => collected.push(value as StreamResult),
        error: (error) => {
          collected.end(error);
          resolve();
        },
        complete: () => {
          collected.end();
          resolve();
        },
      },
    );
  });
  return {
    results: collected.values,
    failures: collected.failures,
    ended,
    client,
    close: () => client.dispose() as Promise<void>,
    waitFor: (count, timeoutMs) => collected.waitFor(count, timeoutMs),
  };
}

/** Resolves once the feed of `app` listens (a subscription has started it) with `count` subscribers. */
export async function untilSubscribers(
  feed: { subscriberCount: number },
  count: number,
  timeoutMs = 5_000,
): Promise<void> {
  const start = Date.now();
  while (feed.subscriberCount < count) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`waited ${timeoutMs} ms for ${count} subscribers, have ${feed.subscriberCount}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
