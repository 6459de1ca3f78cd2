import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from 'graphql-yoga';
import type { App } from '../src/yoga.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { forEachDriver, openTestDatabase, type TestDatabase } from './support/test-database.ts';

describe('GraphiQL', () => {
  let database: TestDatabase;
  let html: string;
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    const response = await createTestApp(database).fetch('http://folioql.test/graphql', {
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    html = await response.text();
  });
  afterAll(() => database.close());

  it('is served at /graphql with the example query', () => {
    expect(html).toContain('<title>folioql</title>');
    expect(html).toContain('query LatestTradesAndHistory');
  });

  it('loads nothing from another host: every script, style and font is inline', () => {
    const references = [
      ...html.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi),
      ...html.matchAll(/@import\s+(?:url\()?["']?([^"')\s;]+)/gi),
      ...html.matchAll(/url\(\s*["']?(https?:[^"')\s]+)/gi),
      ...html.matchAll(/\bimport\(\s*["'](https?:[^"']+)["']\s*\)/gi),
    ].map((match) => match[1]!);
    const external = references.filter((reference) => /^(?:https?:)?\/\//i.test(reference));
    expect(external).toEqual([]);
    for (const cdn of ['unpkg.com', 'jsdelivr.net', 'esm.sh', 'cdnjs', 'googleapis.com']) {
      expect(html).not.toContain(cdn);
    }
  });
});

forEachDriver((database, driver) => {
  let app: App;
  beforeAll(() => {
    app = createTestApp(database());
  });

  it('answers readiness at /healthz (a round trip on PostgreSQL; PGlite is ready while open)', async () => {
    database().statements.length = 0;
    const response = await app.fetch('http://folioql.test/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: driver });
  });

  it('answers liveness at /health without touching the database', async () => {
    const response = await app.fetch('http://folioql.test/health');
    expect(response.status).toBe(200);
  });

  it('answers 404 for other paths', async () => {
    const response = await app.fetch('http://folioql.test/nothing-here', {
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(404);
  });

  it('refuses a document that does not parse, with the position', async () => {
    const result = await graphql(app, '{ latestTrades { id }');
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/^Syntax Error/);
  });
});

describe('when the database goes away', () => {
  let database: TestDatabase;
  let app: App;
  const logged: unknown[][] = [];
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    const logger = { ...createLogger('silent'), error: (...args: unknown[]) => void logged.push(args) };
    app = createTestApp(database, { logger });
    await database.close();
  });

  it('masks the error with an id, and logs the real error under that id', async () => {
    const result = await graphql(app, '{ latestTrades { id } }');
    const [error] = errorsOf(result);
    expect(error?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error?.message).toMatch(/^Unexpected error\. Error id: [0-9a-f-]{36}$/);
    const errorId = result.errors?.[0]?.extensions?.errorId as string;
    expect(error?.message).toContain(errorId);
    const lines = logged.filter((args) => String(args[0]).includes(errorId));
    expect(lines).toHaveLength(1);
    const line = lines[0];
    // The log has what the client must not see.
    expect(String(line?.[1])).toContain('PGlite is closed');
    expect(result.text).not.toMatch(/closed/i);
  });

  it('reports not ready at /healthz', async () => {
    const response = await app.fetch('http://folioql.test/healthz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', database: 'pglite' });
  });
});

describe('error logs', () => {
  let database: TestDatabase;
  let app: App;
  const logged: { level: string; args: unknown[] }[] = [];
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    const record =
      (level: string) =>
      (...args: unknown[]) =>
        void logged.push({ level, args });
    const logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    app = createTestApp(database, { logger });
  });
  afterAll(() => database.close());

  it("name the database's reason beside the error id", async () => {
    await database.db.execute(sql`alter table trades rename to trades_elsewhere`);
    onTestFinished(() =>
      database.db.execute(sql`alter table trades_elsewhere rename to trades`).then(() => undefined),
    );
    const result = await graphql(app, '{ latestTrades { id } }');
    const errorId = result.errors?.[0]?.extensions?.errorId as string;
    const errors = logged.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.args[0])).toBe(
      `Error id ${errorId}: PostgreSQL 42P01: relation "trades" does not exist`,
    );
  });

  it('keep database errors already answered to the client out of the error level', async () => {
    logged.length = 0;
    const result = await graphql(app, '{ latestTrades(symbol: "a\\u0000b") { id } }');
    expect(errorsOf(result)[0]?.code).toBe('BAD_USER_INPUT');
    expect(logged.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(logged.filter((entry) => entry.level === 'debug')).not.toEqual([]);
  });
});
