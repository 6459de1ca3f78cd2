/**
 * The typed client, as a codegen user would have it: generated from
 * schema.graphql, type-checked, and run against a live server; and the
 * server limited to its trusted documents.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import codegenConfig from '../codegen.ts';
import {
  createFolioqlClient,
  FolioqlError,
  latestTradesQuery,
  portfolioHistoryPageQuery,
  upsertTradesMutation,
  viewerQuery,
} from '../src/programs/client/index.ts';
import { DEFAULT_TRUSTED_DOCUMENTS } from '../src/config.ts';
import { readTrustedDocuments } from '../src/plugins/trusted-documents.ts';
import { producerToken } from './support/auth.ts';
import { resetTables, tradeInput } from './support/fixtures.ts';
import { startLiveServer, type LiveServer } from './support/live-server.ts';
import { forEachDriver } from './support/test-database.ts';

/** The FolioqlError a request rejects with; fails the test if it resolves. */
async function failureOf(request: Promise<unknown>): Promise<FolioqlError> {
  const outcome = await request.then(
    () => new Error('expected the request to fail'),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(FolioqlError);
  return outcome as FolioqlError;
}

describe('codegen', () => {
  it('is current: run `npm run codegen` after changing schema.graphql or src/programs/client/operations.ts', async () => {
    const outputs = (await generate({ ...codegenConfig, silent: true }, false)) as {
      filename: string;
      content: string;
    }[];
    expect(outputs.map((output) => path.basename(output.filename))).toContain('persisted-documents.json');
    for (const { filename, content } of outputs) {
      expect(readFileSync(filename, 'utf8'), filename).toBe(content);
    }
  }, 60_000);

  it('type-checks the generated code, the client module, and code using it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'folioql-tsc-'));
    try {
      const tsconfig = path.join(dir, 'tsconfig.json');
      writeFileSync(
        tsconfig,
        JSON.stringify({
          extends: path.resolve('tsconfig.json'),
          compilerOptions: { typeRoots: [path.resolve('node_modules/@types')] },
          include: [path.resolve('src/programs/client'), path.resolve('test/support/typed-client-usage.ts')],
        }),
      );
      const tsc = spawnSync(path.resolve('node_modules/.bin/tsc'), ['--noEmit', '-p', tsconfig], {
        encoding: 'utf8',
      });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

forEachDriver((database) => {
  let server: LiveServer;
  let trustedServer: LiveServer;
  beforeAll(async () => {
    await resetTables(database().db);
    server = await startLiveServer(database());
    trustedServer = await startLiveServer(database(), {
      trustedDocuments: readTrustedDocuments(DEFAULT_TRUSTED_DOCUMENTS),
    });
  });
  afterAll(async () => {
    await server.close();
    await trustedServer.close();
  });

  it('writes as a producer, then reads the typed results back', async () => {
    const producer = createFolioqlClient({ url: server.url, token: await producerToken() });
    const written = await producer.request(upsertTradesMutation, {
      trades: [tradeInput('typed-1', { amount: '0.123456789012345678' }), tradeInput('typed-2')].map(
        (trade) => ({
          ...trade,
          market: 'KRAKEN' as const,
        }),
      ),
    });
    expect(written.upsertTrades).toEqual({ insertedCount: 2, updatedCount: 0, unchangedCount: 0 });

    const reader = createFolioqlClient({ url: server.url });
    const { latestTrades } = await reader.request(latestTradesQuery, { limit: 5 });
    expect(latestTrades.map((trade) => [trade.id, trade.amount, typeof trade.timestamp])).toEqual([
      ['typed-1', '0.123456789012345678', 'number'],
      ['typed-2', '0.500000000000000000', 'number'],
    ]);
    const { viewer } = await reader.request(viewerQuery);
    expect(viewer.role).toBe('api_anon');
    const { portfolioHistory } = await reader.request(portfolioHistoryPageQuery, {
      interval: 'WEEK',
      first: 1,
    });
    expect(portfolioHistory.totalCount).toBe(0);
  });

  it('rejects with a typed error whose code can be acted on', async () => {
    const reader = createFolioqlClient({ url: server.url });
    const error = await failureOf(reader.request(latestTradesQuery, { limit: 0 }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('Argument "limit" of Query.latestTrades must be from 1 to 1000, got 0');

    const forbidden = await failureOf(
      reader.request(upsertTradesMutation, { trades: [{ ...tradeInput('x'), market: 'KRAKEN' }] }),
    );
    expect(forbidden.code).toBe('FORBIDDEN');
    const unauthenticated = await failureOf(
      createFolioqlClient({ url: server.url, token: 'not-a-token' }).request(viewerQuery),
    );
    expect([unauthenticated.code, unauthenticated.status]).toEqual(['UNAUTHENTICATED', 401]);
  });

  describe('with PERSISTED_OPERATIONS', () => {
    it('runs the trusted documents by hash', async () => {
      const client = createFolioqlClient({
        url: trustedServer.url,
        persisted: true,
        token: await producerToken(),
      });
      const { latestTrades } = await client.request(latestTradesQuery, { limit: 1 });
      expect(latestTrades).toHaveLength(1);
      const { upsertTrades } = await client.request(upsertTradesMutation, {
        trades: [{ ...tradeInput('typed-3'), market: 'KRAKEN' }],
      });
      expect(upsertTrades.insertedCount).toBe(1);
    });

    it('refuses any other document, and unknown hashes, with a clear error', async () => {
      const plain = createFolioqlClient({ url: trustedServer.url });
      const refused = await failureOf(plain.request(latestTradesQuery, { limit: 1 }));
      expect([refused.code, refused.status]).toEqual(['PERSISTED_QUERY_ONLY', 400]);
      expect(refused.message).toContain('This server runs only its trusted documents (PERSISTED_OPERATIONS)');

      const response = await fetch(trustedServer.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }),
      });
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    });
  });
});
