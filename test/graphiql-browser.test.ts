/**
 * GraphiQL in a real browser: headless Chromium opens /graphql, types a
 * latestTrades query into the editor, presses run and reads the rows from
 * the result pane; then runs a tradesChanged subscription the same way and
 * sees a trade a producer writes meanwhile arrive over Server-Sent Events.
 * Every request the page makes is checked: anything not addressed to our
 * server is refused and fails the test, so the page is proven to load
 * offline.
 *
 * Chromium is Debian's (`apt-get install -y chromium`, which .ci/run does);
 * playwright-core never downloads a browser. Without it the test is skipped
 * on a developer's machine and fails in CI.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trades } from '../src/db/schema.ts';
import { CSRF_HEADER } from '../src/plugins/browser-defaults.ts';
import { producerHeaders } from './support/auth.ts';
import { resetTables, trade, tradeInput } from './support/fixtures.ts';
import { graphql } from './support/graphql.ts';
import { startLiveServer, type LiveAppServer } from './support/live-server.ts';
import { forEachDriver } from './support/test-database.ts';
import { untilSubscribers } from './support/ws.ts';
import { ARTIFACTS, chromiumFound, launchChromium, openOffline } from './support/chromium.ts';

const LATEST_TRADES = 'query LatestTwo { latestTrades(limit: 2) { id symbol amount usdValue } }';
const TRADES_CHANGED = 'subscription LiveTrades { tradesChanged { trades { id price } deletedIds } }';

/** Opens GraphiQL at `url`, offline (see support/chromium.ts). */
async function openGraphiQL(browser: Browser, url: string) {
  const { page, foreignRequests } = await openOffline(browser, url);
  await page.locator('.graphiql-query-editor').waitFor();
  return { page, foreignRequests };
}

/** Replaces the editor's text the way a person would: focus, select all, type. */
async function typeQuery(page: Page, query: string) {
  await page.locator('.graphiql-query-editor').click();
  await page.keyboard.press('ControlOrMeta+A');
  // As a paste would: typed key by key, the editor's suggestions and bracket
  // completion would rewrite the text as it went.
  await page.keyboard.insertText(query);
  // The editor auto-closes the first brace it sees typed; drop whatever it
  // added after the cursor, as a person tidying up would.
  await page.keyboard.press('ControlOrMeta+Shift+End');
  await page.keyboard.press('Delete');
  // GraphiQL parses the editor a moment after the last keystroke; the tab
  // takes the operation's name once it has, and only then does run send it.
  await page.getByRole('tab', { name: operationName(query) }).waitFor();
}

function operationName(query: string): string {
  const name = /^(?:query|subscription) (\w+)/.exec(query)?.[1];
  if (!name) throw new Error('name the operation, so the test can see GraphiQL has parsed it');
  return name;
}

/** The JSON shown in the result pane once a response has arrived. */
async function readResult(page: Page): Promise<unknown> {
  const pane = page.locator('.graphiql-response .view-lines');
  await expect.poll(async () => (await pane.innerText()).includes('"data"'), { timeout: 15_000 }).toBe(true);
  // The editor renders spaces as non-breaking spaces.
  return JSON.parse((await pane.innerText()).replaceAll('\u00a0', ' '));
}

describe.skipIf(!chromiumFound)('GraphiQL in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  forEachDriver((database, driver) => {
    let server: LiveAppServer;
    beforeAll(async () => {
      await resetTables(database().db);
      await database()
        .db.insert(trades)
        .values([
          trade({ id: 'older', timestamp: '1700000000000', amount: '1.5' }),
          trade({
            id: 'newer',
            timestamp: '1700000000001',
            amount: '0.000000000000000001',
            usdValue: '12.34',
          }),
        ]);
      server = await startLiveServer(database());
    });
    afterAll(() => server?.close());

    it('runs latestTrades typed into the editor and shows the rows, loading nothing from elsewhere', async () => {
      const { page, foreignRequests } = await openGraphiQL(browser, server.url);
      try {
        await typeQuery(page, LATEST_TRADES);
        await page.locator('.graphiql-execute-button').click();
        expect(await readResult(page)).toEqual({
          data: {
            latestTrades: [
              {
                id: 'newer',
                symbol: 'BTC/USD',
                amount: '0.000000000000000001',
                usdValue: '12.340000000000000000',
              },
              {
                id: 'older',
                symbol: 'BTC/USD',
                amount: '1.500000000000000000',
                usdValue: '35000.000000000000000000',
              },
            ],
          },
        });
        expect(foreignRequests).toEqual([]);
      } finally {
        // Saved whether the test passed or not: a failure is when it is wanted most.
        await page.screenshot({ path: `${ARTIFACTS}/graphiql-latest-trades-${driver}.png` });
        await page.close();
      }
    });

    it('runs a tradesChanged subscription typed into the editor and shows a trade a producer then upserts', async () => {
      const { page, foreignRequests } = await openGraphiQL(browser, server.url);
      try {
        await typeQuery(page, TRADES_CHANGED);
        // No header to add: GraphiQL POSTs (yoga.ts), which passes the CSRF check like its queries.
        await page.locator('.graphiql-execute-button').click();
        // The write must come after the subscription has joined the feed, or it would not be sent.
        await untilSubscribers(server.app.changeFeed, 1, 15_000);
        const written = await graphql(
          server.app,
          'mutation Upsert($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }',
          { trades: [tradeInput('graphiql-live', { timestamp: 1600000000000 })] },
          await producerHeaders(),
        );
        expect(written.errors).toBeUndefined();
        expect(written.data.upsertTrades.insertedCount).toBe(1);
        // GraphiQL shows the latest event of the running subscription.
        expect(await readResult(page)).toEqual({
          data: {
            tradesChanged: {
              trades: [{ id: 'graphiql-live', price: '36000.123456789012345678' }],
              deletedIds: [],
            },
          },
        });
        expect(foreignRequests).toEqual([]);
      } finally {
        await page.screenshot({ path: `${ARTIFACTS}/graphiql-trades-changed-${driver}.png` });
        // Closing the page ends its event stream, and the server lets the subscriber go.
        await page.close();
        await expect.poll(() => server.app.changeFeed.subscriberCount, { timeout: 5_000 }).toBe(0);
      }
    });
  });
});
