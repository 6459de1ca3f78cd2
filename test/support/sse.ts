/**
 * A GraphQL-over-SSE subscriber for tests: subscribes through `fetch` (an
 * app's in-process fetch, or a real server's URL) and collects each result
 * the server sends, until the test closes it or the server ends the stream.
 */
import { Collector } from './collector.ts';
import type { GraphQLErrorJson } from './graphql.ts';

export interface StreamResult {
  data?: Record<string, any> | null;
  errors?: GraphQLErrorJson[];
}

export interface SseSubscription {
  /** Every result received so far, in order. */
  results: StreamResult[];
  /** The HTTP status of the response. */
  status: number;
  /** Resolves once `count` results have arrived (rejects after `timeoutMs`, with what did). */
  waitFor(count: number, timeoutMs?: number): Promise<StreamResult[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response> | Response;

export async function subscribeSse(
  fetchFn: Fetch,
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<SseSubscription> {
  const abort = new AbortController();
  const response = await fetchFn(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const collected = new Collector<StreamResult>();
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(message)?.[1];
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (event === 'complete') return;
          if (data) collected.push(JSON.parse(data) as StreamResult);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  void ended.then(
    () => collected.end(),
    (error: unknown) => collected.end(error),
  );
  return {
    results: collected.values,
    status: response.status,
    ended,
    close: () => abort.abort(),
    waitFor: (count, timeoutMs) => collected.waitFor(count, timeoutMs),
  };
}
