/**
 * Runs once before all test files:
 * - migrates an in-memory PGlite and dumps it, so each test file starts a
 *   migrated PGlite in about half a second instead of running initdb;
 * - with TEST_DATABASE_URL, creates a migrated template database on that
 *   server, which test files copy (CREATE DATABASE … TEMPLATE) and drop.
 * Everything it creates it removes again in teardown.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import 'vitest';
import type { TestProject } from 'vitest/node';
import { openPglite, openPostgres } from '../../src/db/database.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { databaseUrlFor, TEST_DATABASE_PREFIX } from './postgres-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A gzipped dump of a migrated, empty PGlite database. */
    pgliteTemplatePath: string;
    /** The migrated template database to copy, when TEST_DATABASE_URL is set. */
    postgresTemplate: { serverUrl: string; templateName: string; runPrefix: string } | null;
  }
}

export default async function setup(project: TestProject) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'folioql-test-'));
  const pgliteTemplatePath = path.join(workDir, 'pglite-template.tar.gz');
  const pglite = await openPglite({});
  await runMigrations(pglite.db);
  const client = (pglite.db as unknown as { $client: { dumpDataDir(format: 'gzip'): Promise<Blob> } })
    .$client;
  writeFileSync(pgliteTemplatePath, Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer()));
  await pglite.close();
  project.provide('pgliteTemplatePath', pgliteTemplatePath);

  const serverUrl = process.env.TEST_DATABASE_URL?.trim();
  let admin: postgres.Sql | undefined;
  let templateName: string | undefined;
  let runPrefix = '';
  if (serverUrl) {
    admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    try {
      await admin`select 1`;
    } catch (error) {
      throw new Error(
        `TEST_DATABASE_URL is set but PostgreSQL cannot be reached: ${(error as Error).message}`,
      );
    }
    await dropDatabasesOfDeadRuns(admin);
    // Every database of this run starts with runPrefix, so teardown can sweep them.
    runPrefix = `${TEST_DATABASE_PREFIX}${process.pid}_`;
    templateName = `${runPrefix}template`;
    await admin`drop database if exists ${admin(templateName)} with (force)`;
    await admin`create database ${admin(templateName)}`;
    const template = openPostgres({ url: databaseUrlFor(serverUrl, templateName), poolMax: 1 });
    await runMigrations(template.db);
    await template.close();
    project.provide('postgresTemplate', { serverUrl, templateName, runPrefix });
  } else {
    project.provide('postgresTemplate', null);
  }

  return async () => {
    rmSync(workDir, { recursive: true, force: true });
    if (admin) {
      // Test files drop their own databases; this sweeps the template and
      // whatever a crashed test file left behind.
      const databases = await admin<{ datname: string }[]>`
        select datname from pg_database where starts_with(datname, ${runPrefix})`;
      for (const { datname } of databases)
        await admin`drop database if exists ${admin(datname)} with (force)`;
      await admin.end({ timeout: 5 });
    }
  };
}

/**
 * A run that was killed never swept its databases: drop those whose run's
 * process no longer exists on this machine, so they do not pile up.
 */
async function dropDatabasesOfDeadRuns(admin: postgres.Sql): Promise<void> {
  const databases = await admin<{ datname: string }[]>`
    select datname from pg_database where starts_with(datname, ${TEST_DATABASE_PREFIX})`;
  for (const { datname } of databases) {
    const pid = Number(/^\D*(\d+)_/.exec(datname.slice(TEST_DATABASE_PREFIX.length))?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !processExists(pid)) {
      await admin`drop database if exists ${admin(datname)} with (force)`;
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
