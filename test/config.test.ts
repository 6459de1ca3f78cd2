import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configTableRows, loadConfig } from '../src/config.ts';
import { cellsOf, readConfigTable, type TableCells } from '../src/config-readme.ts';

describe('configuration', () => {
  it('defaults to the embedded database with demo data on localhost:4000', () => {
    expect(loadConfig({})).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      databasePoolMax: 10,
      pgliteDataDir: path.resolve('.data/pglite'),
      migrateOnStart: true,
      seedDemoData: true,
      logLevel: 'info',
      maxBatchSize: 10_000,
    });
  });

  it('uses PostgreSQL without demo data when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app@db/portfolio', DATABASE_POOL_MAX: '20' });
    expect(config.databaseUrl).toBe('postgres://app@db/portfolio');
    expect(config.databasePoolMax).toBe(20);
    expect(config.seedDemoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db', SEED_DEMO_DATA: 'yes' }).seedDemoData).toBe(true);
  });

  it('reads how long to wait for the database and for readiness', () => {
    expect(loadConfig({})).toMatchObject({ databaseConnectTimeoutMs: 2_000, healthTimeoutMs: 1_000 });
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '500', HEALTH_TIMEOUT_MS: '250' })).toMatchObject({
      databaseConnectTimeoutMs: 500,
      healthTimeoutMs: 250,
    });
  });

  it('reads switches and names', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'WARN',
    });
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', migrateOnStart: false, logLevel: 'warn' });
  });

  it.each([
    [{ PORT: 'http' }, 'PORT must be an integer from 0 to 65535, got "http"'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535, got "70000"'],
    [{ DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX must be an integer from 1 to 1000, got "0"'],
    [
      { DATABASE_CONNECT_TIMEOUT_MS: '2.5' },
      'DATABASE_CONNECT_TIMEOUT_MS must be an integer from 100 to 600000, got "2.5"',
    ],
    [{ HEALTH_TIMEOUT_MS: '0' }, 'HEALTH_TIMEOUT_MS must be an integer from 10 to 60000, got "0"'],
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START must be true or false, got "maybe"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of debug, info, warn, error, silent, got "loud"'],
  ])('refuses %j with a message that names the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the token settings', () => {
    const { auth } = loadConfig({
      JWT_SECRET: 'x'.repeat(32),
      JWT_AUDIENCE: 'https://api.example/graphql',
      JWT_ISSUER: 'https://issuer.example',
      JWT_ROLE_CLAIM: 'app_metadata.role',
      JWT_CLOCK_TOLERANCE: '5',
      ALLOWED_ROLES: 'api_anon,api_data_producer,api_backfill',
      PRODUCER_ROLES: 'api_data_producer,api_backfill',
    });
    expect(auth).toMatchObject({
      jwtSecret: 'x'.repeat(32),
      audience: 'https://api.example/graphql',
      issuer: 'https://issuer.example',
      roleClaimPath: ['app_metadata', 'role'],
      clockToleranceSeconds: 5,
      anonymousRole: 'api_anon',
      producerRoles: ['api_data_producer', 'api_backfill'],
      allowedRoles: ['api_anon', 'api_data_producer', 'api_backfill'],
    });
    expect(loadConfig({}).auth).toMatchObject({
      roleClaimPath: ['role'],
      clockToleranceSeconds: 30,
      allowedRoles: ['api_anon', 'api_data_producer'],
      production: false,
    });
  });

  it.each([
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 bytes, got 5'],
    [{ JWKS_URL: 'ftp://keys' }, 'JWKS_URL must be an http(s) URL, got "ftp://keys"'],
    [{ ALLOWED_ROLES: 'api_anon,Robert"; drop' }, 'ALLOWED_ROLES must list PostgreSQL role names'],
    [{ ALLOWED_ROLES: 'api_anon' }, 'ALLOWED_ROLES must include "api_data_producer"'],
    [{ JWT_ROLE_CLAIM: 'app_metadata..role' }, 'JWT_ROLE_CLAIM must be a claim name or a dotted path'],
    [{ MAX_BATCH_SIZE: '0' }, 'MAX_BATCH_SIZE must be an integer from 1 to 100000, got "0"'],
  ])('refuses token settings %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("matches the README's configuration table (npm run config:readme rewrites it)", () => {
    const collapse = (cells: TableCells) =>
      [cells.variables, cells.default, cells.meaning].map((cell) => cell.replace(/\s+/g, ' ').trim());
    const declared = configTableRows().map((row) => collapse(cellsOf(row)));
    const readme = readConfigTable(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).map(
      collapse,
    );

    const differing: string[] = [];
    const inReadme = new Map(readme.map((row) => [row[0], row]));
    const inDeclaration = new Map(declared.map((row) => [row[0], row]));
    for (const [variables, row] of inDeclaration) {
      const other = inReadme.get(variables);
      if (!other) differing.push(`${variables}: missing from README.md`);
      else if (other[1] !== row[1])
        differing.push(`${variables}: Default "${other[1]}", declared "${row[1]}"`);
      else if (other[2] !== row[2])
        differing.push(`${variables}: Meaning "${other[2]}", declared "${row[2]}"`);
    }
    for (const variables of inReadme.keys()) {
      if (!inDeclaration.has(variables)) differing.push(`${variables}: in README.md but not declared`);
    }
    if (
      differing.length === 0 &&
      readme.map((row) => row[0]).join() !== declared.map((row) => row[0]).join()
    ) {
      differing.push('the rows are in another order than the declaration');
    }
    expect(differing, 'run npm run config:readme').toEqual([]);
  });
});
