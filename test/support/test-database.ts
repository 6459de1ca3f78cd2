/**
 * Real databases for tests, never mocks: a fresh PGlite per test file, and a
 * fresh PostgreSQL database per test file when TEST_DATABASE_URL is set.
 * Both start migrated and empty, and record every SQL statement drizzle
 * sends, so tests can assert what ran as well as what came back.
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { openPglite, openPostgres, type DatabaseConnection, type DriverName } from '../../src/db/database.ts';
import { databaseUrlFor } from './postgres-url.ts';

export const testDrivers: DriverName[] = inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends DatabaseConnection {
  /** Every statement drizzle sent, oldest first; clear it with `statements.length = 0`. */
  statements: string[];
  /** The parameters of each statement in `statements`, by position. */
  parameters: unknown[][];
  /** The connection string of a PostgreSQL test database (none for PGlite). */
  url?: string;
}

/** The statements that read or write data: all but each operation's role setup. */
export function dataStatements(database: TestDatabase): string[] {
  return database.statements.filter((statement) => !statement.startsWith("select set_config('role'"));
}

let databaseCounter = 0;

export async function openTestDatabase(driver: DriverName): Promise<TestDatabase> {
  const statements: string[] = [];
  const parameters: unknown[][] = [];
  const logger = {
    logQuery: (query: string, params: unknown[]) => {
      // Clearing `statements` (length = 0) clears the parameters with it.
      parameters.length = statements.length;
      statements.push(query);
      parameters.push(params);
    },
  };

  if (driver === 'pglite') {
    const dump = new Blob([readFileSync(inject('pgliteTemplatePath'))]);
    return Object.assign(await openPglite({ loadDataDir: dump, logger }), { statements, parameters });
  }

  const template = inject('postgresTemplate');
  if (!template) throw new Error('PostgreSQL tests need TEST_DATABASE_URL');
  const name = `${template.runPrefix}${process.pid}_${++databaseCounter}`;
  const admin = postgres(template.serverUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)} template ${admin(template.templateName)}`;
  const url = databaseUrlFor(template.serverUrl, name);
  const connection = openPostgres({ url, poolMax: 5, logger });
  return {
    ...connection,
    statements,
    parameters,
    url,
    async close() {
      await connection.close();
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * Declares a suite once per driver, each with its own database for the
 * suite's lifetime: `forEachDriver((db) => { it(...) })`, reading `db()`
 * inside tests.
 */
export function forEachDriver(define: (database: () => TestDatabase, driver: DriverName) => void) {
  describe.each(testDrivers)('on %s', (driver) => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await openTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.close();
    });
    define(() => {
      if (!database) throw new Error('the test database is not open yet');
      return database;
    }, driver);
  });
}

/**
 * The plan PostgreSQL would use for a recorded statement, with sequential
 * scans and sorts priced out: if the plan still scans a table sequentially,
 * or sorts, no index can serve the statement (small test tables would
 * otherwise be scanned and sorted whatever the indexes).
 */
export async function explainOnPostgres(database: TestDatabase, statementIndex: number): Promise<string> {
  if (database.driver !== 'postgres') throw new Error('EXPLAIN checks run on PostgreSQL');
  const client = (database.db as unknown as { $client: postgres.Sql }).$client;
  const statement = database.statements[statementIndex]!;
  const params = database.parameters[statementIndex] ?? [];
  return client.begin(async (tx) => {
    await tx.unsafe('set local enable_seqscan = off');
    await tx.unsafe('set local enable_sort = off');
    const rows = await tx.unsafe(`explain ${statement}`, params as never[]);
    return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
  }) as Promise<string>;
}
