/**
 * RESPONSE_CACHE_TTL_MS: anonymous answers served again without running
 * them, ETag and 304, nothing cached for a token or an error, and every
 * committed change (noticed through the change feed) emptying the cache.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { resetTables, trade, tradeInput } from './support/fixtures.ts';
import { createTestApp, graphql } from './support/graphql.ts';
import { dataStatements, forEachDriver } from './support/test-database.ts';
import { trades } from '../src/db/schema.ts';

const LATEST = '{ latestTrades(limit: 5) { id price } }';

forEachDriver((database) => {
  let producer: Record<string, string>;
  const apps: App[] = [];
  beforeAll(async () => {
    producer = await producerHeaders();
  });
  beforeEach(async () => {
    await resetTables(database().db);
    await database()
      .db.insert(trades)
      .values([trade({ id: 'a' }), trade({ id: 'b' })]);
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) {
      await app.changeFeed.stop();
      await app.dispose();
    }
  });

  /** An app with the cache on, once its change feed listens (until then nothing is cached). */
  async function cachedApp(): Promise<App> {
    const app = createTestApp(database(), { responseCacheTtlMs: 60_000 });
    apps.push(app);
    await app.changeFeed.follow(() => {});
    return app;
  }

  const post = (app: App, headers: Record<string, string> = {}) =>
    app.fetch('http://folioql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: LATEST }),
    });

  it('answers a repeated anonymous read from memory, without SQL, with an ETag that gets a 304', async () => {
    const app = await cachedApp();
    const first = await post(app);
    const body = await first.text();
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('public, no-cache');

    database().statements.length = 0;
    const second = await post(app);
    expect(await second.text()).toBe(body);
    expect(dataStatements(database())).toEqual([]);

    const revalidated = await post(app, { 'if-none-match': etag! });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
  });

  it('forgets every answer once a change is committed, here or on another instance', async () => {
    const app = await cachedApp();
    const before = await graphql(app, LATEST);
    expect(before.data.latestTrades.map((row: { id: string }) => row.id).sort()).toEqual(['a', 'b']);

    // Written through another app, as another instance would.
    const writer = createTestApp(database());
    apps.push(writer);
    const written = await graphql(
      writer,
      'mutation($t: [TradeInput!]!) { upsertTrades(trades: $t) { insertedCount } }',
      {
        t: [tradeInput('c', { timestamp: 1800000000000 })],
      },
      producer,
    );
    expect(written.errors).toBeUndefined();

    const deadline = Date.now() + 5_000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      ids = (await graphql(app, LATEST)).data.latestTrades.map((row: { id: string }) => row.id);
      if (ids.includes('c')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(ids).toContain('c');
  });

  it('never caches a request with a token, nor an answer with errors', async () => {
    const app = await cachedApp();
    await post(app, producer);
    database().statements.length = 0;
    await post(app, producer);
    expect(dataStatements(database()).length).toBeGreaterThan(0);

    const failing = '{ latestTrades(limit: 100000) { id } }';
    const first = await graphql(app, failing);
    expect(first.errors).toBeDefined();
    database().statements.length = 0;
    const again = await graphql(app, failing);
    expect(again.errors).toBeDefined();
    expect(again.headers.get('etag')).toBeNull();
  });

  it('caches nothing unless RESPONSE_CACHE_TTL_MS is set', async () => {
    const app = createTestApp(database());
    apps.push(app);
    await post(app);
    database().statements.length = 0;
    const second = await post(app);
    expect(second.headers.get('etag')).toBeNull();
    expect(dataStatements(database()).length).toBeGreaterThan(0);
  });
});
