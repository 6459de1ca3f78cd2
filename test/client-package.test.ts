/**
 * `folioql/client` as another project imports it: the package's "exports"
 * map, the compiled JavaScript and its type declarations (npm run build),
 * from plain JavaScript and from TypeScript; and its subscriptions, which
 * resume from their last cursor when the server comes back.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  createFolioqlClient,
  FolioqlError,
  tradesChangedSubscription,
} from '../src/programs/client/index.ts';
import { DEFAULT_TRUSTED_DOCUMENTS } from '../src/config.ts';
import { readTrustedDocuments } from '../src/plugins/trusted-documents.ts';
import { producerHeaders } from './support/auth.ts';
import { Collector } from './support/collector.ts';
import { resetTables, tradeInput } from './support/fixtures.ts';
import { createTestApp, graphql } from './support/graphql.ts';
import { startLiveServer, type LiveAppServer } from './support/live-server.ts';
import { forEachDriver } from './support/test-database.ts';
import { untilSubscribers } from './support/ws.ts';

const execFileAsync = promisify(execFile);
const UPSERT = `mutation Upsert($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }`;

describe('folioql/client from another project', () => {
  let project: string;
  beforeAll(() => {
    // What the package's "exports" point at: dist/, built as `npm start` would build it.
    const build = spawnSync(process.execPath, ['src/scripts/build.mjs', '--if-stale'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
    project = mkdtempSync(path.join(tmpdir(), 'folioql-client-user-'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    mkdirSync(path.join(project, 'node_modules'));
    // As `npm install <path to folioql>` links it.
    symlinkSync(path.resolve('.'), path.join(project, 'node_modules', 'folioql'), 'dir');
  }, 180_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  forEachDriver((database) => {
    let server: LiveAppServer;
    beforeAll(async () => {
      await resetTables(database().db);
      await graphql(
        createTestApp(database()),
        UPSERT,
        { trades: [tradeInput('package-1', { amount: '0.123456789012345678' })] },
        await producerHeaders(),
      );
      server = await startLiveServer(database());
    });
    afterAll(() => server?.close());

    it('runs from plain JavaScript, the README example', async () => {
      const script = path.join(project, 'example.mjs');
      writeFileSync(
        script,
        `import { createFolioqlClient, latestTradesQuery, FolioqlError } from 'folioql/client';
const client = createFolioqlClient({ url: process.argv[2] });
const { latestTrades } = await client.request(latestTradesQuery, { limit: 5 });
let refused;
try {
  await client.request(latestTradesQuery, { limit: 0 });
} catch (error) {
  refused = error instanceof FolioqlError ? error.code : String(error);
}
console.log(JSON.stringify({ latestTrades, refused }));
`,
      );
      // Not spawnSync: the server it asks runs in this process.
      const run = await execFileAsync(process.execPath, [script, server.url], {
        cwd: project,
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      const output = JSON.parse(run.stdout);
      expect(
        output.latestTrades.map((trade: { id: string; amount: string }) => [trade.id, trade.amount]),
      ).toEqual([['package-1', '0.123456789012345678']]);
      expect(output.refused).toBe('BAD_USER_INPUT');
    });
  });

  it('type-checks from TypeScript with its declarations: results, variables and error codes are typed', () => {
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: [],
          lib: ['ES2022', 'DOM'],
        },
        include: ['usage.ts'],
      }),
    );
    writeFileSync(
      path.join(project, 'usage.ts'),
      `import { createFolioqlClient, latestTradesQuery, tradesChangedSubscription, type FolioqlError } from 'folioql/client';
export async function usage() {
  const client = createFolioqlClient({ url: 'http://localhost:4000/graphql' });
  const { latestTrades } = await client.request(latestTradesQuery, { limit: 5 });
  const amount: string = latestTrades[0]!.amount;
  const timestamp: number = latestTrades[0]!.timestamp;
  // @ts-expect-error a Decimal is not a number
  const wrong: number = latestTrades[0]!.amount;
  // @ts-expect-error variables are checked: limit is an Int
  await client.request(latestTradesQuery, { limit: 'five' });
  const stop = client.subscribe(tradesChangedSubscription, {}, {
    next: (data) => data.tradesChanged.trades.map((trade) => trade.usdValue.padStart(1)),
  });
  stop();
  // @ts-expect-error error codes are a closed list
  const unknown: FolioqlError['code'] = 'NO_SUCH_CODE';
  return [amount, timestamp, wrong, unknown];
}
`,
    );
    const tsc = spawnSync(
      process.execPath,
      [path.resolve('node_modules/typescript/bin/tsc'), '-p', project],
      {
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});

/** The ids of the trades a client's tradesChanged subscription receives, as they come. */
function followTradeIds(client: ReturnType<typeof createFolioqlClient>) {
  const received = new Collector<string>();
  const stop = client.subscribe(
    tradesChangedSubscription,
    {},
    {
      next: (data) => data.tradesChanged.trades.forEach((trade) => received.push(trade.id)),
      error: (error) => received.end(error),
    },
  );
  return { received, stop };
}

describe('subscriptions of the client', () => {
  forEachDriver((database) => {
    let server: LiveAppServer;
    beforeAll(async () => {
      await resetTables(database().db);
      server = await startLiveServer(database());
    });
    afterAll(() => server?.close());

    const write = (app: Parameters<typeof graphql>[0], id: string) =>
      producerHeaders().then((headers) =>
        graphql(app, UPSERT, { trades: [tradeInput(id, { timestamp: Date.now() })] }, headers),
      );

    it('resume from their last cursor after the server restarts: what was missed, once, then the live ones', async () => {
      const connections: boolean[] = [];
      const client = createFolioqlClient({
        url: server.url,
        // Node 20 has no global WebSocket; Node 22 and browsers do.
        webSocketImpl: WebSocket,
        onConnected: (reconnected) => connections.push(reconnected),
      });
      const { received, stop } = followTradeIds(client);
      try {
        await untilSubscribers(server.app.changeFeed, 1);
        await write(server.app, 'live-1');
        await received.waitFor(1);

        const port = Number(new URL(server.url).port);
        await server.close();
        // Written through another instance while this one is down.
        await write(createTestApp(database()), 'missed-1');
        await write(createTestApp(database()), 'missed-2');
        // Down for longer than the first attempts to reconnect take: refused connections are retried.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        server = await startLiveServer(database(), {}, port);
        await received.waitFor(3, 20_000);

        await untilSubscribers(server.app.changeFeed, 1);
        await write(server.app, 'live-2');
        await received.waitFor(4);
        expect(received.values).toEqual(['live-1', 'missed-1', 'missed-2', 'live-2']);
        expect(connections).toEqual([false, true]);
      } finally {
        stop();
      }
    });

    it('send the document hash with persisted: true, as a server of trusted documents requires', async () => {
      const trusted = await startLiveServer(database(), {
        trustedDocuments: readTrustedDocuments(DEFAULT_TRUSTED_DOCUMENTS),
      });
      const client = createFolioqlClient({ url: trusted.url, webSocketImpl: WebSocket, persisted: true });
      const { received, stop } = followTradeIds(client);
      try {
        await untilSubscribers(trusted.app.changeFeed, 1);
        // Written through the other instance: this one runs only the manifest's documents.
        await write(server.app, 'persisted-1');
        expect(await received.waitFor(1)).toEqual(['persisted-1']);
      } finally {
        stop();
        await trusted.close();
      }
    });

    it('end with the error, once, when the server refuses the subscription', async () => {
      const client = createFolioqlClient({ url: server.url, webSocketImpl: WebSocket });
      const errors = new Collector<FolioqlError>();
      const stop = client.subscribe(
        tradesChangedSubscription,
        { after: 'bm90IGEgY3Vyc29y' },
        {
          next: () => errors.end(new Error('no event was expected')),
          error: (error) => errors.push(error),
        },
      );
      try {
        await errors.waitFor(1);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(errors.values).toHaveLength(1);
        expect(errors.values[0]).toBeInstanceOf(FolioqlError);
        expect(errors.values[0]!.code).toBe('BAD_USER_INPUT');
      } finally {
        stop();
      }
    });
  });
});
