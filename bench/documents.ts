/**
 * `npm run bench:documents`: the server CPU one request costs, for the most
 * expensive documents we know of (each refused by a limit, or answered
 * within them), beside a plain read. In process, through `app.fetch`, on an
 * in-memory PGlite with no rows, so only the work on the document counts.
 * Not a test: nothing here asserts.
 */
import { getIntrospectionQuery } from 'graphql';
import { createLogger } from 'graphql-yoga';
import { openPglite } from '../src/db/database.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createApp } from '../src/yoga.ts';
import { loadConfig } from '../src/config.ts';
import { createAuthenticator } from '../src/auth/authenticate.ts';
import { loadVerificationKeys } from '../src/auth/keys.ts';
import { requestSettingsOf } from '../src/server.ts';
import {
  deepOfType,
  doublingFragments,
  doublingInsideIntrospection,
} from '../test/support/adversarial-documents.ts';

const config = loadConfig({ JWT_SECRET: 'bench-documents-secret'.padEnd(40, 'x') });
const database = await openPglite({});
await runMigrations(database.db);
const app = createApp({
  database,
  logger: createLogger('silent'),
  authenticate: createAuthenticator(config.auth, loadVerificationKeys(config.auth, config.auth.jwtSecret)),
  settings: requestSettingsOf(config),
  limits: config.limits,
});

const fields = (count: number, field: string) =>
  Array.from({ length: count }, (_, i) => `f${i}: ${field}`).join(' ');
const documents: [string, string][] = [
  [
    'plain read: latestTrades(limit: 50), 7 fields',
    '{ latestTrades(limit: 50) { id time symbol isBuy amount price usdValue } }',
  ],
  ["GraphiQL's schema download", getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true })],
  ['fragments doubling 40 levels (2^41 fields, 2.4 KB)', doublingFragments(40)],
  ['the same inside __schema, 30 levels', doublingInsideIntrospection(30)],
  ['ofType chain 3,500 deep (38 KB)', deepOfType(3_500)],
  ['ofType chain 100 deep', deepOfType(100)],
  ['6,000 aliased __typename (20,000 tokens)', `{ ${fields(6_000, '__typename')} }`],
  ['6,000 aliased viewer { role }', `{ ${fields(4_000, 'viewer { role }')} }`],
  ['19,990 repeated field names', `{ latestTrades { ${'id '.repeat(19_990)}} }`],
  [
    '51 directives',
    `{ ${Array.from({ length: 51 }, (_, i) => `f${i}: __typename @include(if: true)`).join(' ')} }`,
  ],
  ['20,001 tokens', `{ latestTrades { ${'id '.repeat(20_001)}} }`],
  [
    'where nested 60 deep in the document',
    `{ latestTrades(limit: 1, where: ${'{ and: ['.repeat(60)}{}${']}'.repeat(60)}) { id } }`,
  ],
];

const REPEAT = 20;
const rows: string[][] = [['document', 'bytes', 'HTTP', 'answer', 'CPU ms / request']];
for (const [name, query] of documents) {
  const body = JSON.stringify({ query });
  const send = () =>
    app.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body,
    });
  // Warm: the first request parses and validates, later ones may hit yoga's caches;
  // the figure below is the cached one, as an attacker repeating a document gets.
  const first = await send();
  const answer = (await first.json()) as { errors?: { extensions?: { code?: string; limit?: string } }[] };
  const error = answer.errors?.[0]?.extensions;
  const before = process.cpuUsage();
  for (let i = 0; i < REPEAT; i++) await (await send()).arrayBuffer();
  const used = process.cpuUsage(before);
  // And a document changed by one space each time, which no cache holds.
  const beforeFresh = process.cpuUsage();
  for (let i = 0; i < REPEAT; i++) {
    const fresh = JSON.stringify({ query: `${query}${' '.repeat(i + 1)}` });
    await (
      await app.fetch('http://bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: fresh,
      })
    ).arrayBuffer();
  }
  const usedFresh = process.cpuUsage(beforeFresh);
  const ms = (usage: NodeJS.CpuUsage) => ((usage.user + usage.system) / 1000 / REPEAT).toFixed(2);
  rows.push([
    name,
    String(body.length),
    String(first.status),
    error ? `${error.code}${error.limit ? ` (${error.limit})` : ''}` : 'data',
    `${ms(used)} cached, ${ms(usedFresh)} new`,
  ]);
}
await database.close();

const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
console.log(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n'));
