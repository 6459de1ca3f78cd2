/**
 * Enforcement twice: GraphQL refuses a producer field to an anonymous caller,
 * and PostgreSQL refuses the write even when GraphQL does not, because every
 * statement runs under the caller's role. Plus: one operation, one
 * transaction.
 */
import { sql } from 'drizzle-orm';
import { isObjectType } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import {
  createRoleTransactions,
  inRoleStatements,
  inRoleTransaction,
  OperationFinishedError,
} from '../src/db/role-transaction.ts';
import { trades } from '../src/db/schema.ts';
import { builder } from '../src/schema/builder.ts';
import { schema } from '../src/schema/index.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders, signToken } from './support/auth.ts';
import { resetTables, trade, tradeInput } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { forEachDriver, openTestDatabase, testDrivers, type TestDatabase } from './support/test-database.ts';
import { clientErrorFor, postgresErrorOf } from '../src/db/errors.ts';

const UPSERT = /* GraphQL */ `
  mutation ($trades: [TradeInput!]!) {
    upsertTrades(trades: $trades) {
      insertedCount
    }
  }
`;
// The same schema with every authScopes check switched off: only the database guards it.
const unguardedSchema = builder.toSchema({ disableScopeAuth: true, sortSchema: false });

forEachDriver((database, driver) => {
  let guarded: App;
  let unguarded: App;
  beforeAll(() => {
    expect(schema).not.toBe(unguardedSchema);
    guarded = createTestApp(database());
    unguarded = createTestApp(database(), { schema: unguardedSchema });
  });
  beforeEach(() => resetTables(database().db));

  it('GraphQL refuses an anonymous write, naming the role needed', async () => {
    const result = await graphql(guarded, UPSERT, { trades: [tradeInput('a')] });
    expect(errorsOf(result)).toEqual([
      {
        code: 'FORBIDDEN',
        message:
          'Mutation.upsertTrades needs the api_data_producer role; this request has the api_anon role. Send "Authorization: Bearer <token>" with a token for that role.',
      },
    ]);
    expect(await database().db.$count(trades)).toBe(0);
  });

  it('with the GraphQL check removed, PostgreSQL still refuses an anonymous write (42501)', async () => {
    const upsert = await graphql(unguarded, UPSERT, { trades: [tradeInput('a')] });
    expect(errorsOf(upsert)).toEqual([
      {
        code: 'FORBIDDEN',
        message: "The database refused this for the request's role: permission denied for table trades",
      },
    ]);
    expect(await database().db.$count(trades)).toBe(0);

    await database()
      .db.insert(trades)
      .values(trade({ id: 'kept' }));
    const del = await graphql(unguarded, 'mutation { deleteTrades(ids: ["kept"]) { deletedCount } }');
    expect(errorsOf(del)[0]?.code).toBe('FORBIDDEN');
    const history = await graphql(
      unguarded,
      'mutation { upsertPortfolioHistory(points: [{ timestamp: 1, market: KRAKEN, interval: WEEK }]) { insertedCount } }',
    );
    expect(errorsOf(history)[0]?.code).toBe('FORBIDDEN');
    expect(await database().db.$count(trades)).toBe(1);
  });

  it('a token whose role is missing also writes nothing without the GraphQL check', async () => {
    const token = await signToken({ sub: 'no-role' });
    const result = await graphql(
      unguarded,
      UPSERT,
      { trades: [tradeInput('a')] },
      { authorization: `Bearer ${token}` },
    );
    expect(errorsOf(result)[0]?.message).toContain('permission denied for table trades');
  });

  it('the producer role writes through the same path', async () => {
    const result = await graphql(unguarded, UPSERT, { trades: [tradeInput('a')] }, await producerHeaders());
    expect(result.data.upsertTrades.insertedCount).toBe(1);
  });

  it("runs each operation's statements as the caller's role, with the token's claims", async () => {
    const token = await signToken({ role: 'api_data_producer', sub: 'feeder-7' });
    await database()
      .db.insert(trades)
      .values(trade({ id: 'a' }));
    database().statements.length = 0;
    const result = await graphql(
      guarded,
      '{ trades { totalCount } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(result.data).toEqual({ trades: { totalCount: 1 } });
    if (driver === 'pglite') {
      // In a transaction whose first statement is the setup.
      expect(database().statements[0]).toBe(
        "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('transaction_read_only', 'on', true), set_config('statement_timeout', $3, true) from (select) as no_table",
      );
    } else {
      // No transaction: the setup travels ahead of each statement, as its
      // prelude (test/round-trips.test.ts shows it on the wire).
      expect(database().statements).toHaveLength(2);
      expect(database().statements.filter((statement) => statement.includes('set_config'))).toEqual([]);
    }
  });

  it('lets a query read as the role, with the claims, and write nothing, even through a resolver that tries', async () => {
    const withRoleTransaction = createRoleTransactions(database(), {
      statementTimeoutMs: 5_000,
      operationTimeoutMs: 10_000,
    });
    const producer = { role: 'api_data_producer', claims: { role: 'api_data_producer', sub: 'feeder-7' } };
    // What a row-level-security policy would read.
    const seen = await withRoleTransaction(producer, { writes: false, readOnly: true }, async (tx) => {
      const [row] = await tx
        .select({
          role: sql<string>`current_user`,
          sub: sql<string>`current_setting('request.jwt.claims', true)::json->>'sub'`,
          readOnly: sql<string>`current_setting('transaction_read_only')`,
        })
        .from(sql`(select 1) as one`);
      return { value: row, commit: true };
    });
    expect(seen).toEqual({ role: 'api_data_producer', sub: 'feeder-7', readOnly: 'on' });
    // The producer may insert, but not in a query.
    const refused = await withRoleTransaction(producer, { writes: false, readOnly: true }, async (tx) => {
      await tx.insert(trades).values(trade({ id: 'written-in-a-query' }));
      return { value: undefined, commit: true };
    }).catch((error: unknown) => error);
    // read_only_sql_transaction
    expect(postgresErrorOf(refused)?.code).toBe('25006');
    expect(await database().db.$count(trades)).toBe(0);
    // And nothing of it outlives the operation on the connection.
    const [after] = await database()
      .db.select({
        switched: sql<boolean>`current_user <> session_user`,
        claims: sql<string>`nullif(current_setting('request.jwt.claims', true), '')`,
        readOnly: sql<string>`current_setting('transaction_read_only')`,
      })
      .from(sql`(select 1) as one`);
    expect(after).toEqual({ switched: false, claims: null, readOnly: 'off' });
  });

  it('keeps all of an operation or none: a failing field rolls back the writes of the others', async () => {
    const producer = await producerHeaders();
    const tooMany = Array.from({ length: 10_001 }, (_, index) => `id-${index}`);
    const result = await graphql(
      guarded,
      `
        mutation ($trades: [TradeInput!]!, $ids: [ID!]!) {
          written: upsertTrades(trades: $trades) {
            insertedCount
          }
          refused: deleteTrades(ids: $ids) {
            deletedCount
          }
        }
      `,
      { trades: [tradeInput('a')], ids: tooMany },
      producer,
    );
    expect(result.data).toBeNull();
    expect(errorsOf(result)).toEqual([
      {
        code: 'BAD_USER_INPUT',
        message:
          'Argument "ids" of Mutation.deleteTrades has 10001 items; at most 10000 are allowed in one call',
      },
    ]);
    expect(await database().db.$count(trades)).toBe(0);
  });

  it('opens no transaction for an operation that reads no table', async () => {
    database().statements.length = 0;
    const result = await graphql(guarded, '{ viewer { role } __typename }');
    expect(result.data.viewer.role).toBe('api_anon');
    expect(database().statements).toEqual([]);
  });

  it('refuses statements started after the operation ended, instead of running them outside it', async () => {
    let leaked: Database | undefined;
    await inRoleTransaction(
      database().db,
      { role: 'api_anon', claims: {}, statementTimeoutMs: 5_000 },
      async (tx) => {
        leaked = tx;
        return { value: undefined, commit: true };
      },
    );
    database().statements.length = 0;
    await expect(leaked!.select().from(trades)).rejects.toThrow(OperationFinishedError);
    await expect(leaked!.$count(trades)).rejects.toThrow(OperationFinishedError);
    expect(database().statements).toEqual([]);
  });

  it.runIf(driver === 'postgres')(
    "refuses a read's statements started after its operation ended, though each would carry the role setup",
    async () => {
      let leaked: Database | undefined;
      await inRoleStatements(
        database().withPrelude!,
        { role: 'api_anon', claims: {}, statementTimeoutMs: 5_000 },
        async (statements) => {
          leaked = statements;
          return { value: undefined };
        },
      );
      database().statements.length = 0;
      await expect(leaked!.select().from(trades)).rejects.toThrow(OperationFinishedError);
      expect(database().statements).toEqual([]);
    },
  );

  it('keeps a sibling field from querying after another made the operation fail', async () => {
    await database()
      .db.insert(trades)
      .values(trade({ id: 'a' }));
    const result = await graphql(
      guarded,
      `
        {
          sibling: trades(first: 1) {
            totalCount
            nodes {
              id
            }
          }
          broken: trades(first: 1, after: "not a cursor") {
            nodes {
              id
            }
          }
        }
      `,
      {},
      await producerHeaders(),
    );
    expect(errorsOf(result)[0]?.code).toBe('BAD_USER_INPUT');
    // Whatever the sibling did, it did inside the operation: give it time, then check nothing ran later.
    const seen = database().statements.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(database().statements).toHaveLength(seen);
  });
});

describe('the producer-only fields', () => {
  it('are exactly the writes and the reads of all trades', () => {
    const scoped: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions
          ?.authScopes;
        if (scopes) scoped.push(`${type.name}.${field.name}`);
      }
    }
    expect(scoped.sort()).toEqual([
      'Mutation.deletePortfolioHistory',
      'Mutation.deleteTrades',
      'Mutation.upsertPortfolioHistory',
      'Mutation.upsertTrades',
      'PortfolioHistoryPoint.trades',
      'Query.trade',
      'Query.tradeStats',
      'Query.trades',
    ]);
  });
});

describe.runIf(testDrivers.includes('postgres'))('on postgres, under contention and slowness', () => {
  let database: TestDatabase;
  let app: App;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    app = createTestApp(database);
  });
  afterAll(() => database.close());

  it('lets mutations that lock rows in opposite orders run side by side without deadlock', async () => {
    const producer = await producerHeaders();
    const crossed = (first: string, second: string) =>
      graphql(
        app,
        `
          mutation ($x: [TradeInput!]!, $y: [TradeInput!]!) {
            x: upsertTrades(trades: $x) {
              updatedCount
            }
            y: upsertTrades(trades: $y) {
              updatedCount
            }
          }
        `,
        { x: [tradeInput(first, { amount: '1' })], y: [tradeInput(second, { amount: '2' })] },
        producer,
      );
    await crossed('left', 'right');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 2 ? crossed('left', 'right') : crossed('right', 'left'),
      ),
    );
    expect(results.flatMap(errorsOf)).toEqual([]);
  });

  it('cancels a statement that runs past the statement timeout, with a clear error', async () => {
    const error = await inRoleTransaction(
      database.db,
      { role: 'api_anon', claims: {}, statementTimeoutMs: 100 },
      async (tx) => ({ value: await tx.execute(sql`select pg_sleep(2)`), commit: true }),
    ).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(clientErrorFor(error)).toEqual({
      code: 'STATEMENT_TIMEOUT',
      message:
        'The database stopped a statement that ran longer than the statement timeout; nothing was written',
    });
  });
});
