/**
 * Documents made to cost the server far more than they cost to send: each
 * family is refused before anything runs, at sizes that once held the
 * process for seconds or minutes, and the walk that measures them visits
 * each selection once, however often fragments spread one another.
 */
import { getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIRECTIVES_MAX, INTROSPECTION_LIMITS, NESTING_MAX } from '../src/plugins/operation-limits.ts';
import { summarizeOperation } from '../src/plugins/selection-summary.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import {
  deepOfType,
  doublingFragments,
  doublingInsideIntrospection,
} from './support/adversarial-documents.ts';
import { createTestApp, graphql, type GraphQLResult } from './support/graphql.ts';
import { forEachDriver } from './support/test-database.ts';

function summaryOf(source: string) {
  const document = parse(source);
  return summarizeOperation(document, getOperationAST(document)!);
}

function limitOf(result: GraphQLResult<unknown>) {
  const error = result.errors?.find((candidate) => candidate.extensions?.code === 'OPERATION_LIMIT');
  return error?.extensions;
}

describe('the walk that measures an operation', () => {
  it('visits each selection once, however often fragments spread one another', () => {
    const shallow = summaryOf(doublingFragments(20));
    const deep = summaryOf(doublingFragments(40));
    // Two spreads a level, one root spread, and the leaf's two fields.
    expect(shallow.visits).toBe(2 * 20 + 1 + 2);
    expect(deep.visits).toBe(2 * 40 + 1 + 2);
    // …while counting what execution would select: 2^40 copies of `viewer { role }`.
    expect(deep.fields).toBe(2 * 2 ** 40);
    expect(deep.depth).toBe(2);
  });

  it('counts aliases and introspection roots through fragments', () => {
    const summary = summaryOf(
      `query { ...A ...A __schema { queryType { name } } }
       fragment A on Query { x: viewer @include(if: true) { role } ... on Query { __type(name: "Trade") { name } } }`,
    );
    expect(summary).toMatchObject({ aliases: 2, introspectionRoots: 3, depth: 3 });
  });
});

forEachDriver((database) => {
  let app: App;
  let producer: Record<string, string>;
  beforeAll(async () => {
    app = createTestApp(database());
    producer = await producerHeaders();
  });

  async function expectRefused(query: string, limit: string, headers: Record<string, string> = {}) {
    database().statements.length = 0;
    const result = await graphql(app, query, undefined, headers);
    expect(result.status).toBe(400);
    expect(limitOf(result)).toMatchObject({ code: 'OPERATION_LIMIT', limit });
    expect(result.data ?? null).toBeNull();
    expect(database().statements).toEqual([]);
    return result;
  }

  it('refuses fragments that double 40 levels down (2^41 fields from 2.4 KB), for any role', async () => {
    const document = doublingFragments(40);
    expect(document.length).toBeLessThan(2_500);
    const refused = await expectRefused(document, 'breadth');
    expect(limitOf(refused)).toMatchObject({ max: 200, actual: 2 * 2 ** 40 });
    await expectRefused(document, 'breadth', producer);
  });

  it('refuses the same doubling inside introspection', async () => {
    await expectRefused(doublingFragments(30, '__schema { queryType { name } }'), 'introspection');
    await expectRefused(doublingInsideIntrospection(30), 'breadth');
  });

  it('refuses an ofType chain 3,500 deep before parsing it, and one 100 deep before running it', async () => {
    const unparsed = await expectRefused(deepOfType(3_500), 'depth');
    expect(limitOf(unparsed)).toMatchObject({ max: NESTING_MAX });
    expect(unparsed.errors?.[0]?.message).toBe(
      `The document nests more than ${NESTING_MAX} levels of braces, brackets and parentheses`,
    );
    const parsed = await expectRefused(deepOfType(100), 'depth');
    expect(limitOf(parsed)).toMatchObject({ max: INTROSPECTION_LIMITS.depth, actual: 104 });
    expect(parsed.errors?.[0]?.message).toBe(
      `Operation depth 104 is over the limit of ${INTROSPECTION_LIMITS.depth} for an operation that introspects the schema`,
    );
    // Beside a data field, introspection counts the same.
    await expectRefused(`{ latestTrades(limit: 1) { id } ${deepOfType(100).slice(1, -1)} }`, 'depth');
  });

  it('refuses deep nesting in argument values too, and ignores braces inside strings', async () => {
    const deepValue = `{ latestTrades(limit: 1, where: ${'{ and: ['.repeat(70)}{}${']}'.repeat(70)}) { id } }`;
    await expectRefused(deepValue, 'depth');
    const braces = await graphql(app, `{ viewer { role } } # ${'{'.repeat(500)}`);
    expect(braces.errors).toBeUndefined();
    const inString = await graphql(app, `{ latestTrades(symbol: "${'{'.repeat(500)}") { id } }`);
    expect(limitOf(inString)).toBeUndefined();
  });

  it("still answers GraphiQL's schema download, and a chain just under the bound", async () => {
    const download = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const summary = summaryOf(download);
    expect(summary.depth).toBeLessThanOrEqual(INTROSPECTION_LIMITS.depth);
    expect(summary.fields).toBeLessThanOrEqual(INTROSPECTION_LIMITS.breadth);
    const answered = await graphql(app, download);
    expect(answered.errors).toBeUndefined();
    expect(answered.data.__schema.queryType.name).toBe('Query');
    const underBound = await graphql(app, deepOfType(INTROSPECTION_LIMITS.depth - 4));
    expect(underBound.errors).toBeUndefined();
  });

  it(`refuses more than ${DIRECTIVES_MAX} directives, counted through fragments`, async () => {
    const fields = (count: number) =>
      Array.from({ length: count }, (_, i) => `f${i}: __typename @include(if: true)`).join(' ');
    const under = await graphql(app, `{ ${fields(DIRECTIVES_MAX)} }`);
    expect(under.errors).toBeUndefined();
    const refused = await expectRefused(
      `{ ...F ...F } fragment F on Query { ${fields(DIRECTIVES_MAX / 2 + 1)} }`,
      'directives',
    );
    expect(limitOf(refused)).toMatchObject({ max: DIRECTIVES_MAX });
  });

  it('stops reading a body past LIMIT_REQUEST_BYTES (8 MiB) with 413', async () => {
    const response = await app.fetch('http://folioql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ viewer { role } }', variables: { padding: 'x'.repeat(8 * 2 ** 20) } }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('refuses a declared Content-Length past LIMIT_REQUEST_BYTES before reading, and one that is not a number', async () => {
    const send = (contentLength: string) =>
      app.fetch('http://folioql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': contentLength },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      });
    const tooLarge = await send(String(8 * 2 ** 20 + 1));
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    const invalid = await send('30, 30');
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers the token limit with 400 whether the client accepts application/json or not', async () => {
    const document = `{ latestTrades { ${'id '.repeat(20_001)}} }`;
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const result = await graphql(app, document, undefined, { accept });
      expect(result.status).toBe(400);
      expect(limitOf(result)).toMatchObject({ limit: 'tokens' });
    }
  });
});
