/**
 * Executing subscription events: once per event for every subscriber with
 * the same document, variables and role.
 *
 * graphql-js runs a subscription's selection set for each event of each
 * subscriber. With 10,000 subscribers of one page's document that is 10,000
 * identical executions per event; here it is one, whose result every one of
 * them is sent. Payloads are marked with their event (`sharedEvent`); the
 * result is kept on the event, so it lives as long as some subscriber still
 * has the event to send.
 *
 * An event's rows are already in memory (read once per role by the feed), so
 * most selections need no database at all and run outside any transaction.
 * One that reaches for more (a relation such as `points { trades }`) is run
 * again inside a read transaction under the subscriber's role, with loaders,
 * like any query.
 */
import {
  createSourceEventStream,
  execute,
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Context } from '../context.ts';
import { createLoaders } from '../db/loaders.ts';

const eventOfPayload = new WeakMap<object, object>();

/** Marks `payload` as one subscriber's view of `event`: executions of equal views are shared. */
export function sharedEvent<Payload extends object>(payload: Payload, event: object): Payload {
  eventOfPayload.set(payload, event);
  return payload;
}

/** A resolver asked for the database while an event ran outside a transaction. */
class NeedsTransaction extends Error {
  override name = 'NeedsTransaction';
}

function needsTransaction<T extends object>(): T {
  return new Proxy({} as T, {
    get() {
      throw new NeedsTransaction('This field reads the database');
    },
  });
}

export class SharedExecution {
  #executions = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  #documentIds = new WeakMap<DocumentNode, number>();
  #nextDocumentId = 0;

  /** Like graphql-js's `subscribe`, with each event's execution shared as above. */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const key = this.#keyOf(args);
    return mapEvents(source as AsyncIterableIterator<object>, (payload) => this.#execute(args, key, payload));
  }

  #keyOf(args: ExecutionArgs): string {
    let documentId = this.#documentIds.get(args.document);
    if (documentId === undefined) this.#documentIds.set(args.document, (documentId = this.#nextDocumentId++));
    const { role } = (args.contextValue as Context).viewer;
    return JSON.stringify([documentId, args.operationName ?? null, role, args.variableValues ?? null]);
  }

  #execute(args: ExecutionArgs, key: string, payload: object): Promise<ExecutionResult> {
    const event = eventOfPayload.get(payload);
    if (!event) return executeEvent(args, payload);
    let byKey = this.#executions.get(event);
    if (!byKey) this.#executions.set(event, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = executeEvent(args, payload).then(serializedOnce)));
    return result;
  }
}

/**
 * A result sent to many subscribers is turned into JSON once. yoga's SSE
 * writes a result with its own `stringify` when it has one, and so does the
 * WebSocket server (websocket.ts); not enumerable, so it is no part of the
 * JSON itself.
 */
function serializedOnce(result: ExecutionResult): ExecutionResult {
  let json: string | undefined;
  Object.defineProperty(result, 'stringify', {
    value: (value: unknown) => (json ??= JSON.stringify(value)),
    enumerable: false,
  });
  return result;
}

async function executeEvent(args: ExecutionArgs, payload: object): Promise<ExecutionResult> {
  const context = args.contextValue as Context;
  const run = (eventContext: Context) =>
    execute({ ...args, rootValue: payload, contextValue: eventContext }) as Promise<ExecutionResult>;
  const outside = await run({ ...context, db: needsTransaction(), loaders: needsTransaction() });
  if (!outside.errors?.some((error) => error.originalError instanceof NeedsTransaction)) return outside;
  return context.withRoleTransaction(context.viewer, { writes: false, readOnly: true }, async (tx) => {
    const value = await run({ ...context, db: tx, loaders: createLoaders(tx, { cache: true }) });
    return { value, commit: true, errors: value.errors };
  });
}

/**
 * The results of `source`'s events, as graphql-js's subscribe maps them, but
 * ending at once when the subscriber leaves (an async generator would wait
 * for the next event first), and sending an error the source ends with as
 * the stream's last result.
 */
function mapEvents(
  source: AsyncIterableIterator<object>,
  run: (payload: object) => Promise<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> {
  let done = false;
  const finished = { done: true, value: undefined } as const;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (done) return finished;
      try {
        const item = await source.next();
        if (item.done || done) {
          done = true;
          return finished;
        }
        return { done: false, value: await run(item.value) };
      } catch (error) {
        done = true;
        // An event whose execution failed leaves the source open (one that
        // threw has ended itself): end it, or it stays subscribed for ever.
        void Promise.resolve(source.return?.()).catch(() => {});
        const graphqlError =
          error instanceof GraphQLError
            ? error
            : new GraphQLError('Live updates failed', { originalError: error as Error });
        return { done: false, value: { errors: [graphqlError] } };
      }
    },
    async return() {
      done = true;
      await source.return?.();
      return finished;
    },
    async throw(error: unknown) {
      done = true;
      await source.return?.();
      throw error;
    },
  };
}
