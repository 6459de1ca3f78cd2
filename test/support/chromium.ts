/**
 * Debian's Chromium, driven by playwright-core (which never downloads a
 * browser), for the tests of the pages folioql serves. Without it the tests
 * are skipped on a developer's machine and fail in CI.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots and figures the browser tests keep (ignored by git). */
export const ARTIFACTS = 'test-artifacts';
export const chromiumFound = existsSync(CHROMIUM);

if (!chromiumFound && process.env.CI) {
  throw new Error(`Chromium is missing at ${CHROMIUM}: install it with apt-get install -y chromium`);
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    // No background networking: the machine's closed network refuses it,
    // and the tests are about the page's own requests.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface OfflinePage {
  page: Page;
  /** Every request addressed to another host: refused, and recorded here. */
  foreignRequests: string[];
  /** Uncaught errors and console errors of the page. */
  problems: string[];
}

/** Opens `url` with every request that leaves our server refused and recorded, and every page error kept. */
export async function openOffline(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport });
  const ours = new URL(url).origin;
  const foreignRequests: string[] = [];
  const problems: string[] = [];
  await page.route('**/*', (route) => {
    const requested = route.request().url();
    if (new URL(requested).origin === ours) return route.continue();
    foreignRequests.push(requested);
    return route.abort('blockedbyclient');
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, foreignRequests, problems };
}
