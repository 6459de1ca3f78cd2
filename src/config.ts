/**
 * Runtime configuration, read once from the environment. Every setting is
 * documented in the README's configuration table; keep the two in step.
 */
import path from 'node:path';

export interface Config {
  /** TCP port of the HTTP server. */
  port: number;
  /** Interface to listen on; 127.0.0.1 keeps a development server private. */
  host: string;
  /** PostgreSQL connection string; unset means the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** Most connections postgres.js opens to PostgreSQL. */
  databasePoolMax: number;
  /** Where the embedded PGlite database keeps its files. */
  pgliteDataDir: string;
  /** Apply pending migrations before serving. */
  migrateOnStart: boolean;
  /** Fill an empty database with the deterministic demo portfolio. */
  seedDemoData: boolean;
  /** Least severe server log messages printed. */
  logLevel: LogLevel;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function readChoice<const Choice extends string>(
  env: Env,
  name: string,
  choices: readonly Choice[],
  fallback: Choice,
): Choice {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as Choice;
  throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${env[name]}"`);
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  return {
    port: readInteger(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    databaseUrl,
    databasePoolMax: readInteger(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    pgliteDataDir: path.resolve(env.PGLITE_DATA_DIR?.trim() || '.data/pglite'),
    migrateOnStart: readBoolean(env, 'MIGRATE_ON_START', true),
    // Demo data is for the zero-setup PGlite experience; a real server only
    // gets it when asked.
    seedDemoData: readBoolean(env, 'SEED_DEMO_DATA', databaseUrl === undefined),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}
