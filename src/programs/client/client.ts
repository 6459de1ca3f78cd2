/**
 * A small typed client for folioql: give it a typed document from
 * ./operations.ts and its variables, get the typed result back, or a
 * FolioqlError whose `code` a caller can switch on.
 *
 * With `persisted: true` it sends only the document's hash (the trusted
 * documents of ./generated/persisted-documents.json), as a server started
 * with PERSISTED_OPERATIONS requires.
 *
 * Subscriptions go over one graphql-ws WebSocket, opened on the first and
 * closed after the last, and resume by themselves: the client keeps each
 * subscription's last `cursor` as its `after`, so a subscription sent again
 * after a dropped connection or a restarted server first gets every change
 * it missed, then the live ones.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createClient as createWebSocketClient, type Client as WebSocketClient } from 'graphql-ws/client';
import type { ErrorCode } from '../../errors.ts';

/**
 * The `extensions.code` values folioql answers with (see the README's Errors
 * table): the server's own list, imported as a type only, so the client does
 * not load server code at run time.
 */
export type FolioqlErrorCode = ErrorCode;

export interface FolioqlGraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: FolioqlErrorCode; [key: string]: unknown };
}

export class FolioqlError extends Error {
  override name = 'FolioqlError';
  constructor(
    /** The HTTP status of the response. */
    readonly status: number,
    readonly errors: FolioqlGraphQLError[],
  ) {
    super(errors.map((error) => error.message).join('; ') || `HTTP ${status}`);
  }

  /** The code of the first error, the one to act on. */
  get code(): FolioqlErrorCode | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export interface FolioqlClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** A bearer token; producers need one with the producer role. */
  token?: string;
  /** Send document hashes instead of documents (trusted documents), for subscriptions too. */
  persisted?: boolean;
  /** Give up on a request after this many milliseconds (no limit by default). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The WebSocket endpoint of subscriptions; by default `url` with ws: or wss:. */
  webSocketUrl?: string;
  /** A WebSocket class where there is no global one (Node before 22: the `ws` package). */
  webSocketImpl?: unknown;
  /**
   * Called each time the subscriptions' WebSocket connects; `reconnected`
   * after it was lost. Changes made meanwhile reach subscriptions that had a
   * cursor; what a page read with queries, or a subscription without a
   * cursor yet, may need reading again.
   */
  onConnected?: (reconnected: boolean) => void;
  /** Called when the WebSocket is lost; the client is trying to connect again. */
  onDisconnected?: () => void;
}

/** What a subscription hands its events to. */
export interface FolioqlSubscriptionSink<Result> {
  next(data: Result): void;
  /** The subscription ended with this error; it is not sent again. */
  error?(error: FolioqlError): void;
}

/**
 * The server ends subscriptions with these when it stops, or when one falls
 * too far behind: the client sends them again, from their last cursor.
 */
const RESUMABLE_CODES: ReadonlySet<string> = new Set(['SERVER_STOPPING', 'SUBSCRIBER_TOO_SLOW']);

/** Longest wait between two attempts (the waits double up to it). */
const MAX_RETRY_WAIT_MS = 10_000;
/** A subscription that has run this long without trouble starts its waits from the shortest again. */
const STEADY_MS = 30_000;

/**
 * How long to wait before attempt `retries` + 1: "full jitter" (a random
 * part of a doubling wait, from 1 s up to 10 s), so that the pages and
 * clients a restarted server had do not all come back at the same moment.
 */
const retryDelay = (retries: number) => Math.random() * Math.min(MAX_RETRY_WAIT_MS, 1_000 * 2 ** retries);

/** The `cursor` of the event's one root field, if it selects one. */
function cursorOf(data: unknown): string | undefined {
  const root = data && typeof data === 'object' ? Object.values(data)[0] : undefined;
  const cursor = root && typeof root === 'object' ? (root as { cursor?: unknown }).cursor : undefined;
  return typeof cursor === 'string' ? cursor : undefined;
}

/** The trusted-document hash codegen put on a document (persisted-documents.json). */
function hashOf(document: DocumentNode): string | undefined {
  return (document as { __meta__?: { hash?: string } }).__meta__?.hash?.replace(/^sha256:/, '');
}

/** Whether the operation declares `$after`, the cursor to resume from. */
function declaresAfter(document: DocumentNode): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === 'OperationDefinition' &&
      definition.variableDefinitions?.some((variable) => variable.variable.name.value === 'after'),
  );
}

/** A graphql-ws error (GraphQL errors, a close event, or an Error) as a FolioqlError. */
function folioqlErrorOf(error: unknown): FolioqlError {
  if (error instanceof FolioqlError) return error;
  if (Array.isArray(error)) return new FolioqlError(200, error as FolioqlGraphQLError[]);
  if (error && typeof error === 'object' && 'code' in error && 'reason' in error) {
    const { code, reason } = error as { code: number; reason: string };
    return new FolioqlError(0, [{ message: `The WebSocket closed (${code}${reason ? `: ${reason}` : ''})` }]);
  }
  return new FolioqlError(0, [{ message: error instanceof Error ? error.message : String(error) }]);
}

type VariablesOf<Variables> =
  Record<string, never> extends Variables ? [variables?: Variables] : [variables: Variables];

export function createFolioqlClient({
  url,
  token,
  persisted = false,
  timeoutMs,
  fetch = globalThis.fetch,
  webSocketUrl = url.replace(/^http/, 'ws'),
  webSocketImpl,
  onConnected,
  onDisconnected,
}: FolioqlClientOptions) {
  let webSocket: WebSocketClient | undefined;
  let connectedBefore = false;
  /** The one WebSocket client, made on the first subscription. */
  const webSocketClient = () =>
    (webSocket ??= createWebSocketClient({
      url: webSocketUrl,
      webSocketImpl,
      connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
      // Kept trying while the server is away, whatever the failure: graphql-ws
      // gives up on a refused connection by default. A refused token (4401)
      // and the protocol's other fatal closes stay final all the same.
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelay(retries))),
      on: {
        connected: () => {
          onConnected?.(connectedBefore);
          connectedBefore = true;
        },
        closed: () => onDisconnected?.(),
      },
    }));

  return {
    /** Runs one operation; resolves with its data, or rejects with a FolioqlError. */
    async request<Result, Variables>(
      document: TypedDocumentNode<Result, Variables>,
      ...[variables]: VariablesOf<Variables>
    ): Promise<Result> {
      const body = persisted
        ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(document) } } }
        : { query: print(document), variables };
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json;q=0.9',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
      });
      const result = (await response.json().catch(() => ({
        errors: [{ message: `HTTP ${response.status}: the response is not GraphQL JSON` }],
      }))) as { data?: Result | null; errors?: FolioqlGraphQLError[] };
      if (result.errors?.length || result.data == null) {
        throw new FolioqlError(response.status, result.errors ?? []);
      }
      return result.data;
    },

    /**
     * Starts a subscription; returns the function that ends it. A document
     * that selects `cursor` and declares `$after` resumes where it left off
     * when it is sent again (see the file header); `variables.after`, if
     * given, is where it starts.
     */
    subscribe<Result, Variables>(
      document: TypedDocumentNode<Result, Variables>,
      variables: Variables,
      sink: FolioqlSubscriptionSink<Result>,
    ): () => void {
      const operation = persisted
        ? // graphql-ws wants a query string; the server reads the hash first.
          { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(document) } } }
        : { query: print(document) };
      const resumes = declaresAfter(document);
      let after = (variables as { after?: unknown } | undefined)?.after;
      let ended = false;
      let stop = () => {};
      let retryTimer: ReturnType<typeof setTimeout> | undefined;
      let attempt = 0;
      const start = () => {
        const started = Date.now();
        // graphql-ws sends this payload again after a lost connection, as it
        // is then: `after` kept current here is what it resumes from.
        const payload = {
          ...operation,
          variables: { ...variables, ...(resumes && after != null ? { after } : {}) } as Record<
            string,
            unknown
          >,
        };
        /** Sent again from its cursor if the server said so, or else ended with the error. */
        const endedWith = (failure: FolioqlError) => {
          if (ended) return;
          release();
          if (!failure.code || !RESUMABLE_CODES.has(failure.code)) return fail(failure);
          if (Date.now() - started > STEADY_MS) attempt = 0;
          retryTimer = setTimeout(start, retryDelay(attempt++));
        };
        stop = webSocketClient().subscribe<Result>(payload, {
          next: (result) => {
            // An error that ends the stream comes as a result without data
            // (SERVER_STOPPING does); field errors beside data do not end it.
            if (result.data == null) {
              return endedWith(new FolioqlError(200, (result.errors ?? []) as FolioqlGraphQLError[]));
            }
            const cursor = cursorOf(result.data);
            if (resumes && cursor !== undefined) payload.variables.after = after = cursor;
            sink.next(result.data as Result);
          },
          error: (error) => endedWith(folioqlErrorOf(error)),
          complete: () => {},
        });
      };
      /**
       * Lets go of the current subscription a moment later: the server's own
       * `complete` may be in the same read from the socket, and graphql-ws
       * would count both as releases, leaving the next subscription
       * uncounted (and not retried after a lost connection). By then its
       * own release has happened, and this one does nothing.
       */
      const release = () => setTimeout(stop, 0);
      const fail = (error: FolioqlError) => {
        if (ended) return;
        ended = true;
        release();
        sink.error?.(error);
      };
      start();
      return () => {
        ended = true;
        clearTimeout(retryTimer);
        stop();
      };
    },
  };
}

export type FolioqlClient = ReturnType<typeof createFolioqlClient>;
