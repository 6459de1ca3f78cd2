/**
 * What operations people see of each request:
 * - a request id: a safe incoming `x-request-id` (letters, digits, `._:-`, at
 *   most 128) or a new UUID; sent back in `x-request-id` on every response,
 *   written in the log line, and put into masked errors;
 * - one JSON log line (msg "request") when the response is ready, except
 *   for /health and /healthz probes that succeed;
 * - Prometheus metrics, when the app is given a registry: requests by
 *   operation and outcome, database load, refused operation limits and
 *   database errors, plus the phases yoga's Prometheus plugin times.
 *
 * Each request's record is found by its Request object. Error masking
 * (yoga's `maskError`) is handed no request, only the error: this plugin's
 * hooks, which see each result just before yoga's masking of it (yoga adds
 * its masking after every plugin), note which request each of its errors
 * belongs to. An error masked elsewhere gets no request id rather than a
 * wrong one. No AsyncLocalStorage: on Node 22 its promise hooks cost a
 * fifth of the server's CPU per request.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Context } from '../context.ts';
import type { DatabaseConnection } from '../db/database.ts';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Operation names that get a label value of their own; later new names share
 * "(other)". Clients choose the names, and each value is a new time series.
 */
export const OPERATION_NAMES_MAX = 100;

/** Probes that answer 2xx are not logged: load balancers call them every few seconds. */
const QUIET_PATHS = new Set(['/health', '/healthz']);

/** The id a request goes by: the caller's, if it is safe to echo and log, or a new one. */
export function requestIdFor(header: string | null): string {
  return header !== null && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

interface RequestRecord {
  id: string;
  started: number;
  /** The parsed document and the operationName asked for, once parsing succeeded. */
  document?: DocumentNode;
  operationName?: string | null;
  role?: string;
  /** GraphQL produced a result (even an error): the request was an operation. */
  operation: boolean;
  errorCodes: Set<string>;
  errorIds: string[];
}

export interface ObservabilityOptions {
  database: DatabaseConnection;
  /** Where the metrics go; none, no metrics are kept. */
  metrics?: Registry;
  /** Where the per-request lines go; none, they are not written. */
  requestLog?: Logger;
  /** The GraphQL endpoint: requests to it count as operations even when refused before parsing. */
  graphqlPath: string;
}

export interface Observability {
  plugin: Plugin;
  /** The id of the request an error about to be masked belongs to, if known. */
  requestId(error: unknown): string | undefined;
  /** Counts one error that came from PostgreSQL, by its SQLSTATE. */
  databaseError(sqlstate: string): void;
}

export function createObservability({
  database,
  metrics,
  requestLog,
  graphqlPath,
}: ObservabilityOptions): Observability {
  const records = new WeakMap<Request, RequestRecord>();
  const recordOf = (request: Request | undefined) => (request ? records.get(request) : undefined);
  /** The request each error of a result about to be masked belongs to (see the file header). */
  const requestOfError = new WeakMap<object, RequestRecord>();
  const aboutToMask = (request: Request | undefined, result: unknown) => {
    const record = recordOf(request);
    const errors = (result as { errors?: readonly object[] } | undefined)?.errors;
    if (!record || !errors) return;
    for (const error of errors) requestOfError.set(error, record);
  };
  const meters = metrics ? createMeters(metrics, database) : undefined;
  const operationLabel = boundedLabel(OPERATION_NAMES_MAX);

  const plugin: Plugin = {
    onPluginInit({ addPlugin }) {
      if (!metrics) return;
      addPlugin(
        usePrometheus({
          registry: metrics,
          // Served on its own port (metrics-server.ts), never on the public one.
          endpoint: false,
          // Client-chosen names and error paths would grow the series without bound:
          // the request histogram below carries bounded operation names instead.
          labels: { operationName: false, path: false },
          metrics: {
            // Replaced by folioql_graphql_request_duration_seconds, which also counts
            // documents that do not parse and has the outcome.
            graphql_yoga_http_duration: false,
            graphql_envelop_request: false,
            graphql_envelop_request_duration: false,
            graphql_envelop_request_time_summary: false,
            graphql_envelop_schema_change: false,
            // Walks every document with the schema on every request: too dear for what it tells.
            graphql_envelop_deprecated_field: false,
          },
        }),
      );
    },

    instrumentation: {
      request({ request }, wrapped) {
        const record: RequestRecord = {
          id: requestIdFor(request.headers.get(REQUEST_ID_HEADER)),
          started: performance.now(),
          operation: false,
          errorCodes: new Set(),
          errorIds: [],
        };
        records.set(request, record);
        return wrapped();
      },
    },

    // Just before yoga's masking of the same result: an operation's result, and each event of a stream.
    onExecute({ args }) {
      const { request } = args.contextValue as { request?: Request };
      return { onExecuteDone: ({ result }) => aboutToMask(request, result) };
    },
    onSubscribe({ args }) {
      const { request } = args.contextValue as { request?: Request };
      return {
        onSubscribeResult: () => ({ onNext: ({ result }) => aboutToMask(request, result) }),
      };
    },

    onParse({ context }) {
      return ({ result }) => {
        const record = recordOf(context.request);
        if (!record || !result || result instanceof Error) return;
        record.document = result;
        record.operationName = context.params?.operationName;
      };
    },

    onExecutionResult({ result, request, context }) {
      const record = recordOf(request);
      if (!record) return;
      record.operation = true;
      record.role ??= (context as Partial<Context>).viewer?.role;
      // A stream (subscription) is logged when it starts; its later payloads are not read here.
      if (!result || Symbol.asyncIterator in result) return;
      for (const single of Array.isArray(result) ? result : [result]) {
        for (const error of single.errors ?? []) {
          const { code, limit, errorId } = error.extensions ?? {};
          if (typeof code === 'string') record.errorCodes.add(code);
          if (typeof errorId === 'string') record.errorIds.push(errorId);
          // Refused limits, at parse time (tokens) as well as before execution.
          if (code === 'OPERATION_LIMIT' && typeof limit === 'string') {
            meters?.limitRefusals.inc({ limit: /^[a-z_]{1,32}$/.test(limit) ? limit : 'other' });
          }
        }
      }
    },

    onResponse({ request, response }) {
      const record = recordOf(request);
      if (!record) return;
      try {
        response.headers.set(REQUEST_ID_HEADER, record.id);
      } catch {
        // A response with immutable headers goes out without the id.
      }
      const seconds = (performance.now() - record.started) / 1000;
      const status = response.status;
      const outcome = status < 400 && record.errorCodes.size === 0 ? 'success' : 'error';
      const operation = record.document
        ? getOperationAST(record.document, record.operationName ?? undefined)
        : null;
      const path = pathOf(request.url);

      // Operations, and requests to the endpoint refused before becoming one (bad JSON, 415…).
      if (meters && (record.operation || (status >= 400 && path === graphqlPath))) {
        meters.requests.observe(
          {
            // A name gets a label of its own only once an operation of that name
            // succeeded: refused documents cannot take the places real ones need.
            operationName: operation
              ? operation.name
                ? operationLabel(operation.name.value.slice(0, 128), outcome === 'success')
                : '(anonymous)'
              : '(none)',
            operationType: operation?.operation ?? '(none)',
            outcome,
            statusCode: String(status),
          },
          seconds,
        );
      }

      if (!requestLog?.isLevelEnabled('info')) return;
      if (QUIET_PATHS.has(path) && status < 400) return;
      requestLog.info(
        {
          requestId: record.id,
          method: request.method,
          path,
          status,
          durationMs: Math.round(seconds * 1e6) / 1000,
          operationName: operation ? (operation.name?.value.slice(0, 128) ?? null) : undefined,
          operationType: operation?.operation,
          role: record.role,
          outcome,
          errorCodes: record.errorCodes.size > 0 ? [...record.errorCodes] : undefined,
          errorIds: record.errorIds.length > 0 ? record.errorIds : undefined,
        },
        'request',
      );
    },
  };

  return {
    plugin,
    requestId: (error) =>
      typeof error === 'object' && error !== null ? requestOfError.get(error)?.id : undefined,
    databaseError: (sqlstate) => meters?.databaseErrors.inc({ class: sqlstate.slice(0, 2) }),
  };
}

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return '';
  }
}

/** The name itself for the first `max` distinct names, "(other)" after. */
function boundedLabel(max: number) {
  const known = new Set<string>();
  /** `name` if it has a label, or gets one now (only when `mayAdd`); "(other)" else. */
  return (name: string, mayAdd: boolean) => {
    if (known.has(name)) return name;
    if (!mayAdd || known.size >= max) return '(other)';
    known.add(name);
    return name;
  };
}

function createMeters(registry: Registry, database: DatabaseConnection) {
  const registers = [registry];
  const gauge = (
    name: string,
    help: string,
    read: (load: ReturnType<DatabaseConnection['load']>) => number,
  ) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(database.load()));
      },
    });
  gauge('folioql_database_pool_in_use', 'Operations holding a database connection', (load) => load.inUse);
  gauge(
    'folioql_database_pool_waiting',
    'Operations waiting for a database connection',
    (load) => load.waiting,
  );
  gauge(
    'folioql_write_queue_length',
    'Write operations queued for the write turn',
    (load) => load.writeQueue,
  );
  return {
    requests: new Histogram({
      name: 'folioql_graphql_request_duration_seconds',
      help: 'GraphQL requests, from arrival to response head: count and latency by operation and outcome',
      labelNames: ['operationName', 'operationType', 'outcome', 'statusCode'] as const,
      registers,
    }),
    limitRefusals: new Counter({
      name: 'folioql_operation_limit_refusals_total',
      help: 'Operations refused for going over a limit (OPERATION_LIMIT), by limit',
      labelNames: ['limit'] as const,
      registers,
    }),
    databaseErrors: new Counter({
      name: 'folioql_database_errors_total',
      help: 'Errors from PostgreSQL, by SQLSTATE class (its first two characters)',
      labelNames: ['class'] as const,
      registers,
    }),
  };
}
