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
}

/** The statements that read or write data: all but each operation's role setup. */
export function dataStatements(database: TestDatabase): string[] {
  return database.statements.filter((statement) => !statement.startsWith("select set_config('role'"));
}

let databaseCounter = 0;

export async function openTestDatabase(driver: DriverName): Promise<TestDatabase> {
  const statements: string[] = [];
  const logger = { logQuery: (query: string) => void statements.push(query) };

  if (driver === 'pglite') {
    const dump = new Blob([readFileSync(inject('pgliteTemplatePath'))]);
    return Object.assign(await openPglite({ loadDataDir: dump, logger }), { statements });
  }

  const template = inject('postgresTemplate');
  if (!template) throw new Error('PostgreSQL tests need TEST_DATABASE_URL');
  const name = `${template.runPrefix}${process.pid}_${++databaseCounter}`;
  const admin = postgres(template.serverUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)} template ${admin(template.templateName)}`;
  const connection = openPostgres({ url: databaseUrlFor(template.serverUrl, name), poolMax: 5, logger });
  return {
    ...connection,
    statements,
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
