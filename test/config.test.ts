import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('defaults to the embedded database with demo data on localhost:4000', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      databasePoolMax: 10,
      pgliteDataDir: path.resolve('.data/pglite'),
      migrateOnStart: true,
      seedDemoData: true,
      logLevel: 'info',
    });
  });

  it('uses PostgreSQL without demo data when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app@db/portfolio', DATABASE_POOL_MAX: '20' });
    expect(config.databaseUrl).toBe('postgres://app@db/portfolio');
    expect(config.databasePoolMax).toBe(20);
    expect(config.seedDemoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db', SEED_DEMO_DATA: 'yes' }).seedDemoData).toBe(true);
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
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START must be true or false, got "maybe"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of debug, info, warn, error, silent, got "loud"'],
  ])('refuses %j with a message that names the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
