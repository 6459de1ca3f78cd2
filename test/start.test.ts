/**
 * `npm start` as a person runs it: the build when dist/ is stale, then a real
 * process on a new PGlite directory (a copy of the build's demo image), the
 * page's and GraphiQL's URLs printed, requests served, and a clean stop on
 * SIGTERM and SIGINT.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const tsx = path.resolve('node_modules/.bin/tsx');
/** What `npm start` runs: builds dist/ if it is missing or stale, then serves from it. */
const npmStart = [process.execPath, ['src/scripts/start.mjs']] as const;

interface Started {
  process: ChildProcess;
  url: string;
  output: () => string;
}

function start(dataDir: string): Promise<Started> {
  const child = spawn(npmStart[0], [...npmStart[1]], {
    env: {
      ...process.env,
      PORT: '0',
      PGLITE_DATA_DIR: dataDir,
      DATABASE_URL: '',
      JWT_SECRET: '',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /GraphiQL: (http:\/\/localhost:\d+\/graphql)/.exec(output)?.[1];
      if (url) resolve({ process: child, url, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before serving:\n${output}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start', () => {
  let parent: string;
  let dataDir: string;
  beforeAll(() => {
    parent = mkdtempSync(path.join(tmpdir(), 'folioql-start-'));
    dataDir = path.join(parent, 'pglite');
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('creates, migrates and seeds a new database, serves it, and stops on SIGTERM', async () => {
    const server = await start(dataDir);
    expect(server.output()).toContain('Filled the empty database with the demo portfolio.');
    expect(server.output()).toContain(
      'Mint a producer token with: npm run token -- --role api_data_producer',
    );
    const query = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ latestTrades(limit: 3) { id } }' }),
    });
    expect((await query.json()).data.latestTrades).toHaveLength(3);
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);

    // The live page's URL is printed beside GraphiQL's, and the page is the one the build bundled.
    const pageUrl = new URL('/', server.url).href;
    expect(server.output()).toContain(`Live portfolio page: ${pageUrl}`);
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /src="\/(assets\/main-\w+\.js)"/.exec(html)?.[1];
    expect(script && existsSync(path.join('dist/page', script))).toBe(true);

    // The token the printed command mints is one this server accepts.
    const minted = spawnSync(tsx, ['src/scripts/token.ts', '--role', 'api_data_producer', '--sub', 'me'], {
      env: { ...process.env, PGLITE_DATA_DIR: dataDir, JWT_SECRET: '' },
    });
    const token = minted.stdout.toString().trim();
    const viewer = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { role subject } }' }),
    });
    expect((await viewer.json()).data.viewer).toEqual({ role: 'api_data_producer', subject: 'me' });

    const exited = exitOf(server.process);
    server.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(server.output()).toContain('SIGTERM: finishing requests under way, then stopping.');
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 90_000);

  it('reopens the same data without seeding again, refuses a second process, and stops on SIGINT', async () => {
    const server = await start(dataDir);
    expect(server.output()).not.toContain('Filled the empty database');

    const second = spawn(npmStart[0], [...npmStart[1]], {
      env: { ...process.env, PORT: '0', PGLITE_DATA_DIR: dataDir, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let secondOutput = '';
    second.stderr.on('data', (chunk: Buffer) => (secondOutput += chunk.toString()));
    expect(await exitOf(second)).toBe(1);
    expect(secondOutput).toContain(
      `The PGlite data directory ${dataDir} is in use by another folioql process`,
    );

    const exited = exitOf(server.process);
    server.process.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 90_000);
});
