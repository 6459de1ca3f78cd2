/**
 * GraphQL over WebSocket (the graphql-ws protocol, which Apollo's
 * GraphQLWsLink, urql and GraphiQL speak) on the GraphQL endpoint, beside
 * yoga's HTTP and Server-Sent Events.
 *
 * Every operation runs through yoga's own pipeline (`getEnveloped`): the
 * same parsing limits, validation, operation limits, transactions and error
 * masking as over HTTP. The token comes in `connectionParams`
 * (`{ authorization: "Bearer …" }`, or `{ token }`) and is checked once, when
 * the socket opens, like a request's header: a bad one closes the socket
 * with 4401 and the reason. With trusted documents on, a socket too may only
 * run the manifest's documents, by hash.
 *
 * Bounded: each operation counts against the client's rate limit like a
 * request (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_TOKEN_PER_MINUTE); at most SUBSCRIPTIONS_PER_CONNECTION operations at once on one
 * socket and SUBSCRIPTIONS_MAX sockets on the instance (each subscription
 * also counts against SUBSCRIPTIONS_MAX in the change feed), messages of at
 * most LIMIT_REQUEST_BYTES, and a socket that does not say hello within
 * three seconds is closed (graphql-ws's connectionInitWaitTimeout).
 */
import type { IncomingMessage, Server } from 'node:http';
import {
  GraphQLError,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
} from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LiveConfig } from '../config.ts';
import { clientError, ERROR_CODES } from '../errors.ts';
import { trustedDocumentOf, type TrustedDocuments } from '../plugins/trusted-documents.ts';
import type { App } from '../yoga.ts';

export interface WebSocketOptions {
  live: LiveConfig;
  /** Most bytes of one message (LIMIT_REQUEST_BYTES). */
  maxMessageBytes: number;
  trustedDocuments?: TrustedDocuments;
}

/**
 * A socket whose client reads nothing while more than this waits to be sent
 * to it is cut off: event sends wait for the socket, but pongs and errors
 * would pile up without end.
 */
const BUFFERED_MAX_BYTES = 16 * 2 ** 20;

interface SocketState {
  /** The upgrade request with the token of connectionParams as its Authorization header. */
  request?: Request;
  /** Operations running on this socket now. */
  operations: Set<string>;
}

/** The Authorization header a client put in connectionParams, if any. */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization ?? params?.token;
  if (typeof value !== 'string' || value === '') return undefined;
  return /^bearer /i.test(value) ? value : `Bearer ${value}`;
}

export function serveWebSockets(
  server: Server,
  app: App,
  options: WebSocketOptions,
): { close(): Promise<void> } {
  const { live } = options;
  const sockets = new WebSocketServer({
    server,
    path: app.graphqlEndpoint,
    maxPayload: options.maxMessageBytes,
    // Refused before the upgrade: a full instance costs a refused client nothing more.
    verifyClient: (
      _info: { req: IncomingMessage },
      done: (ok: boolean, code?: number, message?: string) => void,
    ) =>
      sockets.clients.size >= live.maxSubscriptions
        ? done(false, 503, 'This server has as many WebSockets as SUBSCRIPTIONS_MAX allows')
        : done(true),
  });
  const states = new WeakMap<object, SocketState>();
  const stateOf = (extra: object): SocketState => {
    let state = states.get(extra);
    if (!state) states.set(extra, (state = { operations: new Set() }));
    return state;
  };

  const sharedJson = new SharedResultJson(BUFFERED_MAX_BYTES);
  // Before graphql-ws's own handler: its messages go out through this send.
  sockets.on('connection', (socket) => sharedJson.expandOn(socket));

  const stop = useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      connectionInitWaitTimeout: 3_000,
      jsonMessageReplacer: sharedJson.replacer,
      // The result itself, not graphql-ws's copy of it, which would lose its `stringify`.
      onNext: (_ctx, _id, _payload, _args, result) => SharedResultJson.keep(result),
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),

      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        const url = `http://${ctx.extra.request.headers.host ?? 'localhost'}${app.graphqlEndpoint}`;
        const request = new Request(url, { headers: authorization ? { authorization } : {} });
        const { contextFactory } = app.getEnveloped({ request });
        try {
          // Counted and authenticated now, as a request would be: a bad token never gets to subscribe.
          await app.countRequest?.(request, { req: ctx.extra.request });
          await contextFactory();
        } catch (error) {
          ctx.extra.socket.close(4401, error instanceof Error ? error.message.slice(0, 120) : 'Unauthorized');
          return false;
        }
        stateOf(ctx.extra).request = request;
        return true;
      },

      onSubscribe: async (ctx, id, payload) => {
        const state = stateOf(ctx.extra);
        if (state.operations.size >= live.perConnection) {
          return [
            clientError(
              ERROR_CODES.SUBSCRIPTION_LIMIT,
              `This WebSocket already runs ${live.perConnection} operations (SUBSCRIPTIONS_PER_CONNECTION); complete one, or open another socket`,
            ),
          ];
        }
        // Counted at once: graphql-ws handles a socket's messages concurrently,
        // and a burst must not pass the check above before any is counted.
        state.operations.add(id);
        const refuse = (errors: readonly GraphQLError[]) => {
          state.operations.delete(id);
          return errors;
        };
        try {
          // Each operation counts against the client's rate limit, as a request would.
          await app.countRequest?.(state.request!, { req: ctx.extra.request });
        } catch (error) {
          return refuse([error as GraphQLError]);
        }
        let query = payload.query;
        if (options.trustedDocuments) {
          const trusted = trustedDocumentOf(options.trustedDocuments, payload);
          if (trusted instanceof GraphQLError) return refuse([trusted]);
          query = trusted;
        }
        const enveloped = app.getEnveloped({ request: state.request!, params: payload });
        let document;
        try {
          document = enveloped.parse(query);
        } catch (error) {
          return refuse([error instanceof GraphQLError ? error : new GraphQLError(String(error))]);
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return refuse(errors);
        const contextValue = (await enveloped.contextFactory()) as { viewer?: { expiresAt?: number } };
        // The token was checked when the socket opened; it may have expired
        // since, and then nothing more runs on this socket, queries and
        // mutations included.
        const expiresAt = contextValue.viewer?.expiresAt;
        if (expiresAt !== undefined && expiresAt <= Date.now()) {
          ctx.extra.socket.close(4401, 'The token expired: connect again with a fresh one');
          return refuse([
            clientError(
              ERROR_CODES.TOKEN_EXPIRED,
              'The token of this WebSocket expired: connect again with a fresh token',
            ),
          ]);
        }
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } as Enveloped,
        };
        return args;
      },

      onComplete: (ctx, id) => {
        stateOf(ctx.extra).operations.delete(id);
      },
    },
    sockets,
  );

  return {
    async close() {
      // Each socket is told the server is going away; graphql-ws ends its operations.
      for (const socket of sockets.clients) socket.close(1001, 'Server stopping');
      await stop.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

/**
 * Sends a result shared by many subscribers as the JSON it was turned into
 * once (see serializedOnce in shared-execution.ts), not serialized again for
 * each: graphql-ws serializes each message itself, so the result is left out
 * as a placeholder, put back by the socket's send that immediately follows.
 */
class SharedResultJson {
  static readonly PLACEHOLDER = '\u0000folioql shared result\u0000';
  /** How a message that carries a shared result ends, once serialized: the payload is its last field. */
  static readonly ENDING = `"payload":${JSON.stringify(SharedResultJson.PLACEHOLDER)}}`;
  /** The JSON of the message being serialized now; cleared at the start of every message. */
  #pending: string | undefined;

  constructor(private readonly bufferedMaxBytes: number) {}

  /** A shared result as the payload to send as it is; undefined (graphql-ws's own copy) for any other. */
  static keep(result: ExecutionResult): FormattedExecutionResult | undefined {
    return typeof (result as { stringify?: unknown }).stringify === 'function'
      ? (result as FormattedExecutionResult)
      : undefined;
  }

  readonly replacer = (() => {
    const shared = this;
    return function (this: unknown, key: string, value: unknown): unknown {
      // The root of a message: whatever an earlier message left (a send that
      // did not happen, its socket closing) belongs to no one now.
      if (key === '') shared.#pending = undefined;
      const stringify = (value as { stringify?: unknown } | null)?.stringify;
      if (
        key === 'payload' &&
        (this as { type?: string }).type === 'next' &&
        typeof stringify === 'function'
      ) {
        shared.#pending = (stringify as (value: unknown) => string)(value);
        return SharedResultJson.PLACEHOLDER;
      }
      return value;
    };
  })();

  expandOn(socket: WebSocket): void {
    const send = socket.send.bind(socket);
    socket.send = ((data: unknown, ...rest: unknown[]) => {
      if (socket.bufferedAmount > this.bufferedMaxBytes) {
        socket.terminate();
        return;
      }
      const json = this.#pending;
      this.#pending = undefined;
      // Only the message just serialized, and only at its end: a client's own
      // text (an operation id, a ping's payload) can never take the JSON.
      const expanded =
        json !== undefined && typeof data === 'string' && data.endsWith(SharedResultJson.ENDING)
          ? `${data.slice(0, -SharedResultJson.ENDING.length)}"payload":${json}}`
          : data;
      return (send as (...args: unknown[]) => void)(expanded, ...rest);
    }) as WebSocket['send'];
  }
}

/** yoga's executors for this operation, carried to graphql-ws's execute and subscribe through rootValue. */
interface Enveloped {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}
