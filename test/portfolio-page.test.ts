/**
 * The live portfolio page at `/`.
 *
 * Over HTTP: what is served, how (compression, ETags, caching, the
 * Content-Security-Policy), its weight, and that it can be switched off.
 *
 * In Debian's headless Chromium, on the demo portfolio: the page loads with
 * every request to another host refused (and none attempted); the chart draws
 * as many points as portfolioPerformance holds for each interval and range,
 * and the headline figures are its exact values; older trades page in; a
 * trade a producer writes appears without a reload, and the ongoing week's
 * rewrite moves the chart; after the server restarts, the page reconnects by
 * itself and shows a trade written while it was down. A screenshot of each
 * view is kept in test-artifacts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRUSTED_DOCUMENTS } from '../src/config.ts';
import { seedDemoData } from '../src/db/demo-data.ts';
import { readTrustedDocuments } from '../src/plugins/trusted-documents.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { resetTables, tradeInput } from './support/fixtures.ts';
import { createTestApp, graphql } from './support/graphql.ts';
import { startLiveServer, type LiveAppServer } from './support/live-server.ts';
import { forEachDriver } from './support/test-database.ts';
import { untilSubscribers } from './support/ws.ts';
import { ARTIFACTS, chromiumFound, launchChromium, openOffline } from './support/chromium.ts';

/** The budget for everything the page downloads before it shows data, compressed. */
const PAGE_WEIGHT_BUDGET = 250 * 1024;

const PERFORMANCE = `query Performance($interval: Interval!, $from: EpochMillis) {
  portfolioPerformance(interval: $interval, from: $from) {
    pointCount portfolioReturnPct benchmarkBtcReturnPct benchmarkEthReturnPct maxDrawdownPct
  }
}`;
const UPSERT_TRADES = `mutation Upsert($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }`;
const LATEST_WEEK = `{
  portfolioHistory(interval: WEEK, last: 1) {
    nodes {
      timestamp market interval updatedAt usdTotalValue usdHeld intervalPctReturn
      benchmarkBtcValue benchmarkBtcIntervalPctReturn benchmarkEthValue benchmarkEthIntervalPctReturn
    }
  }
}`;
const UPSERT_HISTORY = `mutation Rewrite($points: [PortfolioHistoryInput!]!) {
  upsertPortfolioHistory(points: $points) { updatedCount }
}`;

async function get(app: App, path: string, headers: Record<string, string> = {}) {
  return app.fetch(`http://localhost${path}`, { headers });
}

/** The script and style sheet index.html names. */
function assetPathsOf(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
}

describe('the page over HTTP', () => {
  forEachDriver((database) => {
    let app: App;
    beforeAll(() => {
      app = createTestApp(database());
    });

    it('serves index.html at / with a policy that lets it reach this origin only', async () => {
      const response = await get(app, '/');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      // Written out: the Chromium tests below show the page needs nothing more.
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await response.text();
      expect(html).toContain('<a href="/graphql">GraphiQL</a>');
      // Nothing in it points at another host.
      expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
      expect(assetPathsOf(html)).toHaveLength(2);
    });

    it('serves the hashed script and style sheet for a year, compressed as asked, under its weight budget', async () => {
      const html = await (await get(app, '/')).text();
      let compressed = new TextEncoder().encode(html).byteLength;
      for (const path of assetPathsOf(html)) {
        const plain = await get(app, path);
        expect(plain.status).toBe(200);
        expect(plain.headers.get('content-type')).toMatch(
          path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
        );
        expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        const identity = Buffer.from(await plain.arrayBuffer());

        const brotli = await get(app, path, { 'accept-encoding': 'gzip, deflate, br' });
        expect(brotli.headers.get('content-encoding')).toBe('br');
        expect(brotli.headers.get('vary')).toBe('accept-encoding');
        // app.fetch does not decode: these are the bytes a browser downloads.
        const sent = Buffer.from(await brotli.arrayBuffer());
        expect(brotliDecompressSync(sent).equals(identity)).toBe(true);
        compressed += sent.byteLength;

        const gzip = await get(app, path, { 'accept-encoding': 'gzip' });
        expect(gzip.headers.get('content-encoding')).toBe('gzip');
      }
      expect(compressed).toBeLessThan(PAGE_WEIGHT_BUDGET);
      writeArtifact('page-weight.json', { compressedBytes: compressed, budget: PAGE_WEIGHT_BUDGET });
    });

    it('answers 304 to a browser that has the same file, and HEAD without a body', async () => {
      const first = await get(app, '/');
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await get(app, '/', { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      // Weak, or in a list, it matches too; the brotli form has an ETag of its own.
      expect((await get(app, '/', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
      const brotli = await get(app, '/', { 'accept-encoding': 'br' });
      expect(brotli.headers.get('etag')).not.toBe(etag);
      expect((await get(app, '/', { 'accept-encoding': 'br', 'if-none-match': etag })).status).toBe(200);
      // q=0 refuses an encoding.
      const noBrotli = await get(app, '/', { 'accept-encoding': 'br;q=0, gzip' });
      expect(noBrotli.headers.get('content-encoding')).toBe('gzip');
      const head = await app.fetch('http://localhost/', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    });

    it('serves no page beside trusted documents, whose manifest does not hold its reads', async () => {
      const trusted = createTestApp(database(), {
        trustedDocuments: readTrustedDocuments(DEFAULT_TRUSTED_DOCUMENTS),
      });
      expect((await get(trusted, '/')).status).toBe(404);
    });

    it('serves nothing else: unknown files, other methods, and no page with PORTFOLIO_PAGE=false', async () => {
      expect((await get(app, '/assets/main-NOPE.js')).status).toBe(404);
      expect((await app.fetch('http://localhost/', { method: 'POST', body: '{}' })).status).toBe(404);
      const withoutPage = createTestApp(database(), {
        browser: { corsOrigins: [], graphiql: true, portfolioPage: false, introspection: true },
      });
      expect((await get(withoutPage, '/')).status).toBe(404);
      expect(withoutPage.pageAssets).toBeUndefined();
    });

    it("does not count the page's files against a visitor's GraphQL rate limit", async () => {
      const limited = createTestApp(database(), {
        rateLimit: { anonymousPerMinute: 1, tokenPerMinute: 1, trustProxyHops: 0 },
      });
      for (let visit = 0; visit < 3; visit++) expect((await get(limited, '/')).status).toBe(200);
      expect((await graphql(limited, '{ __typename }')).status).toBe(200);
      expect((await graphql(limited, '{ __typename }')).status).toBe(429);
    });
  });
});

function writeArtifact(name: string, value: unknown) {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(`${ARTIFACTS}/${name}`, `${JSON.stringify(value, null, 2)}\n`);
}

/** The page at `url`, offline (see support/chromium.ts), once it has drawn its chart and table. */
async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 900 }) {
  const opened = await openOffline(browser, url, viewport);
  await opened.page.locator('body[data-rendered="true"]').waitFor({ timeout: 15_000 });
  return opened;
}

/** Chooses an interval and a range as a person would, and waits for the chart to show them. */
async function choose(page: Page, interval: 'Weekly' | 'Daily', range: '3 months' | '1 year' | 'All') {
  await page.getByRole('radio', { name: interval }).check();
  await page.getByRole('radio', { name: range }).check();
  const rangeValue = { '3 months': '3M', '1 year': '1Y', All: 'ALL' }[range];
  const intervalValue = interval === 'Weekly' ? 'WEEK' : 'DAY';
  await page
    .locator(`#chart[data-interval="${intervalValue}"][data-range="${rangeValue}"][data-point-count]`)
    .waitFor({ timeout: 10_000 });
}

/** What the chart shows, as the page's own attributes and headline say it. */
async function shown(page: Page) {
  const chart = page.locator('#chart');
  const title = (id: string) => page.locator(`#${id}`).getAttribute('title');
  const from = await chart.getAttribute('data-from');
  return {
    interval: (await chart.getAttribute('data-interval')) as 'WEEK' | 'DAY',
    from: from ? Number(from) : null,
    pointCount: Number(await chart.getAttribute('data-point-count')),
    portfolioReturnPct: await title('return-portfolio'),
    benchmarkBtcReturnPct: await title('return-btc'),
    benchmarkEthReturnPct: await title('return-eth'),
    maxDrawdownPct: await title('max-drawdown'),
  };
}

describe.skipIf(!chromiumFound)('the page in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  forEachDriver((database, driver) => {
    let server: LiveAppServer;
    beforeAll(async () => {
      await resetTables(database().db);
      await seedDemoData(database().db);
      server = await startLiveServer(database());
    });
    afterAll(() => server?.close());

    const pageUrl = () => new URL('/', server.url).href;

    it('loads from this server alone, with no error, and says how long the first render took', async () => {
      const { page, foreignRequests, problems } = await openPage(browser, pageUrl());
      try {
        expect(foreignRequests).toEqual([]);
        expect(problems).toEqual([]);
        await expect.poll(() => page.locator('#connection').innerText()).toBe('Live');
        const firstRender = await page.evaluate(
          () => performance.getEntriesByName('folioql:first-render')[0]?.startTime,
        );
        expect(firstRender).toBeGreaterThan(0);
        writeArtifact(`page-first-render-${driver}.json`, { milliseconds: Math.round(firstRender!) });
        // Read by assistive technology as a table with a name, columns and row headers.
        const table = page.getByRole('table', { name: 'Latest trades, newest first' });
        await expect.poll(() => table.getByRole('columnheader').count()).toBe(6);
        expect(await table.getByRole('rowheader').count()).toBe(25);
        expect(await page.getByRole('img', { name: 'Cumulative return chart' }).count()).toBe(1);
      } finally {
        await page.close();
      }
    });

    it('draws as many points as portfolioPerformance holds, with its exact figures, for each interval and range', async () => {
      const { page, problems } = await openPage(browser, pageUrl());
      try {
        for (const [interval, range] of [
          ['Weekly', '1 year'],
          ['Weekly', '3 months'],
          ['Weekly', 'All'],
          ['Daily', '3 months'],
          ['Daily', '1 year'],
          ['Daily', 'All'],
        ] as const) {
          await choose(page, interval, range);
          const view = await shown(page);
          const expected = (
            await graphql(server.app, PERFORMANCE, { interval: view.interval, from: view.from })
          ).data.portfolioPerformance;
          expect(view, `${interval}, ${range}`).toEqual({
            interval: view.interval,
            from: view.from,
            ...expected,
          });
          expect(view.pointCount).toBeGreaterThan(0);
          const summary = await page.locator('#chart-summary').innerText();
          expect(summary).toContain(`${view.pointCount} points`);
          await page.screenshot({
            path: `${ARTIFACTS}/page-${interval.toLowerCase()}-${range.replace(' ', '')}-${driver}.png`,
            fullPage: true,
          });
        }
        // The demo portfolio holds two years: a year of weeks is a part of all of them.
        await choose(page, 'Weekly', 'All');
        const all = (await shown(page)).pointCount;
        await choose(page, 'Weekly', '1 year');
        expect((await shown(page)).pointCount).toBeLessThan(all);
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('pages in older trades, newest first, on demand', async () => {
      const { page } = await openPage(browser, pageUrl());
      try {
        const rows = page.locator('#trades-body tr');
        expect(await rows.count()).toBe(25);
        await page.getByRole('button', { name: 'Show older trades' }).click();
        await expect.poll(() => rows.count()).toBe(50);
        const times = await page
          .locator('#trades-body time')
          .evaluateAll((cells) => cells.map((cell) => Date.parse(cell.getAttribute('datetime')!)));
        expect(times).toEqual([...times].sort((a, b) => b - a));
        const ids = await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-trade-id')));
        const expected = (await graphql(server.app, '{ latestTrades(limit: 50) { id } }')).data.latestTrades;
        expect(ids).toEqual(expected.map((row: { id: string }) => row.id));
      } finally {
        await page.close();
      }
    });

    it("shows a trade a producer writes, and moves the ongoing week's point, without a reload", async () => {
      const { page, problems } = await openPage(browser, pageUrl());
      try {
        await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
        // Both of the page's subscriptions (trades, and the chosen interval's history) have joined.
        await untilSubscribers(server.app.changeFeed, 2, 15_000);

        const written = Date.now();
        const upsert = await graphql(
          server.app,
          UPSERT_TRADES,
          {
            trades: [tradeInput('page-live-1', { timestamp: written, amount: '0.25', usdValue: '25000.5' })],
          },
          await producerHeaders(),
        );
        expect(upsert.data?.upsertTrades.insertedCount).toBe(1);
        const row = page.locator('#trades-body tr[data-trade-id="page-live-1"]');
        await row.waitFor({ timeout: 5_000 });
        const shownAfterMs = Date.now() - written;
        // Newest first: a trade of now heads the table, its exact value on hover.
        expect(await page.locator('#trades-body tr').first().getAttribute('data-trade-id')).toBe(
          'page-live-1',
        );
        expect(await row.locator('[title="25000.500000000000000000"]').count()).toBe(1);
        await page.screenshot({ path: `${ARTIFACTS}/page-live-trade-${driver}.png` });

        // The producer rewrites the ongoing week, as it does through the week.
        await choose(page, 'Weekly', '1 year');
        const before = await shown(page);
        const latest = (await graphql(server.app, LATEST_WEEK)).data.portfolioHistory.nodes[0];
        const rewrite = await graphql(
          server.app,
          UPSERT_HISTORY,
          { points: [{ ...latest, intervalPctReturn: '25.5' }] },
          await producerHeaders(),
        );
        expect(rewrite.data?.upsertPortfolioHistory.updatedCount).toBe(1);
        const expected = (await graphql(server.app, PERFORMANCE, { interval: 'WEEK', from: before.from }))
          .data.portfolioPerformance;
        expect(expected.portfolioReturnPct).not.toBe(before.portfolioReturnPct);
        await expect
          .poll(() => page.locator('#return-portfolio').getAttribute('title'), { timeout: 5_000 })
          .toBe(expected.portfolioReturnPct);
        expect(
          await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
        ).toBe(true);
        expect(problems).toEqual([]);
        writeArtifact(`page-live-${driver}.json`, { tradeShownAfterMs: shownAfterMs });
      } finally {
        await page.close();
      }
    });

    it('reconnects by itself after the server restarts, and catches up on what was written while it was down', async () => {
      const { page, problems } = await openPage(browser, pageUrl());
      try {
        await untilSubscribers(server.app.changeFeed, 2, 15_000);
        // Its trades subscription has a cursor once an event has arrived.
        const first = await graphql(
          server.app,
          UPSERT_TRADES,
          { trades: [tradeInput('before-restart', { timestamp: Date.now() })] },
          await producerHeaders(),
        );
        expect(first.data?.upsertTrades.insertedCount).toBe(1);
        await page.locator('#trades-body tr[data-trade-id="before-restart"]').waitFor({ timeout: 5_000 });

        const port = Number(new URL(server.url).port);
        await server.close();
        await expect
          .poll(() => page.locator('#connection').innerText(), { timeout: 5_000 })
          .toBe('Reconnecting…');
        // Another instance takes a write and a deletion while this one is down;
        // the deletion reaches the page only through the resumed subscription.
        const other = createTestApp(database());
        const meanwhile = await graphql(
          other,
          UPSERT_TRADES,
          { trades: [tradeInput('while-down', { timestamp: Date.now() - 1 })] },
          await producerHeaders(),
        );
        expect(meanwhile.data?.upsertTrades.insertedCount).toBe(1);
        const deleted = await graphql(
          other,
          'mutation { deleteTrades(ids: ["before-restart"]) { deletedCount } }',
          {},
          await producerHeaders(),
        );
        expect(deleted.data?.deleteTrades.deletedCount).toBe(1);
        // Down for longer than the first attempts to reconnect take.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        server = await startLiveServer(database(), {}, port);

        await page.locator('#trades-body tr[data-trade-id="while-down"]').waitFor({ timeout: 20_000 });
        await expect
          .poll(() => page.locator('#trades-body tr[data-trade-id="before-restart"]').count(), {
            timeout: 5_000,
          })
          .toBe(0);
        await expect.poll(() => page.locator('#connection').innerText()).toBe('Live');
        expect(await page.locator('#trades-body tr[data-trade-id="while-down"]').count()).toBe(1);
        // Chromium logs the requests the restart cut and the connections refused meanwhile; nothing else may be logged.
        expect(
          problems.filter(
            (problem) =>
              !/WebSocket connection to .* failed|net::ERR_CONNECTION_(RESET|REFUSED)/.test(problem),
          ),
        ).toEqual([]);
        await page.screenshot({ path: `${ARTIFACTS}/page-reconnected-${driver}.png` });
      } finally {
        await page.close();
      }
    });

    it('fits a phone: nothing wider than the screen but the table, which scrolls in its own box', async () => {
      const { page, problems } = await openPage(browser, pageUrl(), { width: 360, height: 780 });
      try {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        expect(Number(await page.locator('#chart').getAttribute('data-point-count'))).toBeGreaterThan(0);
        expect(problems).toEqual([]);
        await page.screenshot({ path: `${ARTIFACTS}/page-phone-${driver}.png`, fullPage: true });
      } finally {
        await page.close();
      }
    });
  });
});
