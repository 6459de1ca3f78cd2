/**
 * What operations people see: Prometheus metrics on their own port, one JSON
 * log line per request, and a request id on every response, in masked
 * errors and in the log.
 */
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createJsonLogger, yogaLoggerOf } from '../src/logger.ts';
import { startMetricsServer, type MetricsServer } from '../src/metrics-server.ts';
import { requestIdFor } from '../src/plugins/observability.ts';
import type { App } from '../src/yoga.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { forEachDriver } from './support/test-database.ts';

type LogLine = Record<string, unknown>;

/** A pino destination that keeps each line, parsed: every line must be JSON. */
function captureLog() {
  const lines: LogLine[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } };
}

/** Over LIMIT_ALIASES (15) for an anonymous caller. */
const sixteenAliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;

describe('METRICS_PORT', () => {
  it('is off unless set, on 127.0.0.1 unless METRICS_HOST says otherwise, and never the API port', () => {
    expect(loadConfig({})).toMatchObject({ metricsPort: undefined, metricsHost: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toMatchObject({
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
    });
    expect(() => loadConfig({ METRICS_PORT: '4000' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PORT: 'nine' })).toThrow(/METRICS_PORT must be an integer/);
  });
});

describe('request ids', () => {
  it('keeps a safe incoming id and replaces anything else with a new UUID', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(requestIdFor('req-1.2:3_x')).toBe('req-1.2:3_x');
    expect(requestIdFor('x'.repeat(128))).toBe('x'.repeat(128));
    for (const unsafe of [null, '', 'x'.repeat(129), 'a\nb', 'a b', '<script>', 'é']) {
      expect(requestIdFor(unsafe)).toMatch(uuid);
    }
  });
});

forEachDriver((database) => {
  let app: App;
  let metricsServer: MetricsServer;
  const log = captureLog();
  const requestLines = (requestId: string) =>
    log.lines.filter((line) => line.msg === 'request' && line.requestId === requestId);

  beforeAll(async () => {
    const registry = new Registry();
    const pino = createJsonLogger('info', log.destination);
    app = createTestApp(database(), {
      metrics: registry,
      requestLog: pino,
      logger: yogaLoggerOf(pino),
      limits: { ...loadConfig({}).limits, tokens: 200 },
    });
    metricsServer = await startMetricsServer(registry, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await metricsServer?.close();
    await app?.dispose();
  });

  it('returns the request id: the caller’s when safe, a new one otherwise', async () => {
    const echoed = await graphql(app, '{ __typename }', undefined, { 'x-request-id': 'trace-abc.1' });
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc.1');

    for (const unsafe of ['x'.repeat(500), 'two words', '"quoted"']) {
      const replaced = await graphql(app, '{ __typename }', undefined, { 'x-request-id': unsafe });
      const id = replaced.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(requestLines(id!)).toHaveLength(1);
    }

    // On responses that are not GraphQL too.
    for (const path of ['/health', '/healthz', '/nothing-here']) {
      const response = await app.fetch(`http://folioql.test${path}`, {
        headers: { 'x-request-id': 'probe-1' },
      });
      expect(response.headers.get('x-request-id')).toBe('probe-1');
    }
  });

  it('writes one JSON line per request with what operations need', async () => {
    const result = await graphql(app, 'query LatestThree { latestTrades(limit: 3) { id } }', undefined, {
      'x-request-id': 'log-1',
    });
    expect(result.status).toBe(200);
    const [line, ...more] = requestLines('log-1');
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      requestId: 'log-1',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'LatestThree',
      operationType: 'query',
      role: 'api_anon',
      outcome: 'success',
    });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
    expect(line!.durationMs).toBeTypeOf('number');
    expect(line).not.toHaveProperty('errorCodes');

    const refused = await graphql(app, sixteenAliases, undefined, { 'x-request-id': 'log-2' });
    expect(refused.status).toBe(400);
    expect(requestLines('log-2')[0]).toMatchObject({
      status: 400,
      operationName: null,
      operationType: 'query',
      outcome: 'error',
      errorCodes: ['OPERATION_LIMIT'],
    });
  });

  it('leaves successful health probes out of the log, but not failures or other paths', async () => {
    await app.fetch('http://folioql.test/health', { headers: { 'x-request-id': 'quiet-1' } });
    await app.fetch('http://folioql.test/healthz', { headers: { 'x-request-id': 'quiet-2' } });
    await app.fetch('http://folioql.test/nothing-here', { headers: { 'x-request-id': 'loud-1' } });
    expect(requestLines('quiet-1')).toEqual([]);
    expect(requestLines('quiet-2')).toEqual([]);
    expect(requestLines('loud-1')).toMatchObject([{ method: 'GET', path: '/nothing-here', status: 404 }]);
  });

  it('puts the request id into a masked error and into its error log line', async () => {
    await database().db.execute(sql`alter table trades rename to trades_elsewhere`);
    onTestFinished(() =>
      database()
        .db.execute(sql`alter table trades_elsewhere rename to trades`)
        .then(() => undefined),
    );
    const result = await graphql(app, '{ latestTrades { id } }', undefined, { 'x-request-id': 'broken-1' });
    const [error] = result.errors ?? [];
    expect(errorsOf(result)[0]?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error?.extensions?.requestId).toBe('broken-1');
    const errorId = error?.extensions?.errorId as string;
    expect(error?.message).toBe(`Unexpected error. Error id: ${errorId}`);

    const logged = log.lines.filter((line) => line.level === 'error' && line.errorId === errorId);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      requestId: 'broken-1',
      msg: `Error id ${errorId}: PostgreSQL 42P01: relation "trades" does not exist`,
    });
    expect(logged[0]!.err).toMatchObject({ message: expect.any(String) });
    expect(requestLines('broken-1')[0]).toMatchObject({
      outcome: 'error',
      errorCodes: ['INTERNAL_SERVER_ERROR'],
      errorIds: [errorId],
    });
  });

  it('serves the metrics on their own port only', async () => {
    await graphql(app, 'query LatestThree { latestTrades(limit: 3) { id } }');
    await graphql(app, sixteenAliases);
    const tooManyTokens = await graphql(app, `{ ${'__typename '.repeat(250)}}`);
    expect(tooManyTokens.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 'tokens' });
    await graphql(app, '{ latestTrades { id }');

    const response = await fetch(metricsServer.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const sample = (name: string) =>
      Number(new RegExp(`^${name.replace(/[{}"()]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

    const requests = 'folioql_graphql_request_duration_seconds_count';
    expect(
      sample(
        `${requests}{operationName="LatestThree",operationType="query",outcome="success",statusCode="200"}`,
      ),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(
        `${requests}{operationName="(anonymous)",operationType="query",outcome="error",statusCode="400"}`,
      ),
    ).toBeGreaterThanOrEqual(2);
    // Documents that do not parse (syntax, token limit) have no operation.
    expect(
      sample(`${requests}{operationName="(none)",operationType="(none)",outcome="error",statusCode="400"}`),
    ).toBe(2);
    expect(sample('folioql_operation_limit_refusals_total{limit="aliases"}')).toBe(2);
    expect(sample('folioql_operation_limit_refusals_total{limit="tokens"}')).toBe(1);
    // The renamed table of the test before: undefined_table is class 42.
    expect(sample('folioql_database_errors_total{class="42"}')).toBe(1);
    for (const gauge of [
      'folioql_database_pool_in_use',
      'folioql_database_pool_waiting',
      'folioql_write_queue_length',
    ]) {
      expect(sample(gauge)).toBeGreaterThanOrEqual(0);
    }
    // The phases yoga's Prometheus plugin times, by operation type.
    expect(text).toContain('graphql_envelop_phase_execute_count{operationType="query"}');
    expect(text).toMatch(/^graphql_envelop_error_result\{[^}]*phase="parse"[^}]*\} \d+$/m);
    // No label made of what the client sent but bounded names.
    expect(text).not.toContain('url=');

    expect((await fetch(new URL('/other', metricsServer.url))).status).toBe(404);
    expect((await fetch(metricsServer.url, { method: 'POST' })).status).toBe(405);
  });

  it('does not serve the metrics on the public port', async () => {
    const response = await app.fetch('http://folioql.test/metrics');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('folioql_');
  });
});

describe('operation names in metrics', () => {
  it('stay bounded however many names clients make up', async () => {
    const { openTestDatabase } = await import('./support/test-database.ts');
    const { OPERATION_NAMES_MAX } = await import('../src/plugins/observability.ts');
    const database = await openTestDatabase('pglite');
    onTestFinished(() => database.close());
    const registry = new Registry();
    const app = createTestApp(database, { metrics: registry });
    for (let i = 0; i < OPERATION_NAMES_MAX + 20; i++) await graphql(app, `query Made${i} { __typename }`);
    const values = await registry.getSingleMetric('folioql_graphql_request_duration_seconds')!.get();
    const names = new Set(values.values.map((value) => value.labels.operationName));
    expect(names.size).toBe(OPERATION_NAMES_MAX + 1);
    expect(names).toContain('(other)');
  });
});
