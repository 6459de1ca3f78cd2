/**
 * Operations run compiled (plugins/compiled-execution.ts); these are the
 * cases where a compiled operation could be the wrong one or say less.
 */
import { expect, it } from 'vitest';
import { seedDemoData } from '../src/db/demo-data.ts';
import { resetTables } from './support/fixtures.ts';
import { forEachDriver } from './support/test-database.ts';
import { createTestApp, graphql } from './support/graphql.ts';

forEachDriver((database) => {
  it('runs the operation a document names, each compiled on its own', async () => {
    await resetTables(database().db);
    await seedDemoData(database().db);
    const app = createTestApp(database());
    const run = async (operationName: string) => {
      const response = await app.fetch('http://folioql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: document, operationName }),
      });
      return ((await response.json()) as { data: { latestTrades: Record<string, unknown>[] } }).data;
    };
    const document = /* GraphQL */ `
      query Two {
        latestTrades(limit: 2) {
          id
        }
      }
      query Three {
        latestTrades(limit: 3) {
          id
          symbol
        }
      }
    `;
    for (let round = 0; round < 2; round++) {
      const two = await run('Two');
      const three = await run('Three');
      expect(two.latestTrades).toHaveLength(2);
      expect(Object.keys(two.latestTrades[0]!)).toEqual(['id']);
      expect(three.latestTrades).toHaveLength(3);
      expect(Object.keys(three.latestTrades[0]!)).toEqual(['id', 'symbol']);
    }
  });

  it('reports a bad scalar variable as the standard executor does, naming the variable', async () => {
    const app = createTestApp(database());
    const result = await graphql(app, 'query ($limit: Int) { latestTrades(limit: $limit) { id } }', {
      limit: 'ten',
    });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toBe(
      'Variable "$limit" got invalid value "ten"; Int cannot represent non-integer value: "ten"',
    );
  });

  it('answers the same with COMPILED_EXECUTION off, on graphql-js', async () => {
    await resetTables(database().db);
    await seedDemoData(database().db);
    const query = /* GraphQL */ `
      {
        latestTrades(limit: 5) {
          id
          time
          symbol
          amount
          usdValue
        }
        portfolioHistory(interval: WEEK, first: 3) {
          totalCount
          nodes {
            time
            usdTotalValue
          }
        }
      }
    `;
    const compiled = await graphql(createTestApp(database()), query);
    const interpreted = await graphql(createTestApp(database(), { compiledExecution: false }), query);
    expect(compiled.errors).toBeUndefined();
    expect(interpreted.text).toBe(compiled.text);
  });
});
