/**
 * Runtime configuration, read once from the environment. Every setting is
 * documented in the README's configuration table; keep the two in step.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ADMISSION } from './db/admission.ts';

export interface Config {
  /** TCP port of the HTTP server. */
  port: number;
  /** Interface to listen on; 127.0.0.1 keeps a development server private. */
  host: string;
  /** PostgreSQL connection string; unset means the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** Most connections postgres.js opens to PostgreSQL. */
  databasePoolMax: number;
  /** How many distinct statements are prepared on each connection; 0 turns preparing off. */
  databasePreparedStatements: number;
  /**
   * Longest a connection attempt to PostgreSQL may take, and longest an
   * operation waits for a connection while the database answers nothing,
   * before it is answered 503 DATABASE_UNAVAILABLE (see db/connection-deadline.ts).
   */
  databaseConnectTimeoutMs: number;
  /** Where the embedded PGlite database keeps its files. */
  pgliteDataDir: string;
  /** Apply pending migrations before serving. */
  migrateOnStart: boolean;
  /** Fill an empty database with the deterministic demo portfolio. */
  seedDemoData: boolean;
  /** Least severe server log messages printed. */
  logLevel: LogLevel;
  /** Port of the Prometheus metrics server (GET /metrics); unset, no metrics at all. */
  metricsPort: number | undefined;
  /** Interface the metrics server listens on; 127.0.0.1 keeps it off the network. */
  metricsHost: string;
  /** Most trades or history points one mutation may write or delete. */
  maxBatchSize: number;
  /** Longest one SQL statement may run before PostgreSQL cancels it (not enforced by PGlite). */
  statementTimeoutMs: number;
  /** Longest one operation may take in all (waits, retries and statements); later statements are not started. */
  operationTimeoutMs: number;
  /** Longest an operation waits for one of the pool's connections. */
  databaseAcquireTimeoutMs: number;
  /** Most writing operations waiting for this instance's write turn. */
  writeQueueMax: number;
  /** Longest a writing operation waits for the write turn, and for the write lock in PostgreSQL. */
  writeWaitTimeoutMs: number;
  /** Longest /healthz waits for the database's answer before it reports 503. */
  healthTimeoutMs: number;
  auth: AuthConfig;
  limits: LimitsConfig;
  /** With a manifest path, the server runs only the trusted documents it lists. */
  persistedOperations: string | undefined;
  browser: BrowserConfig;
  rateLimit: RateLimitConfig;
}

/** What web pages may do with the API: read it from other origins, explore it. */
export interface BrowserConfig {
  /**
   * Origins whose pages may read responses, with credentials; '*' lets any
   * page read them, without credentials; empty, none (no CORS headers).
   */
  corsOrigins: '*' | readonly string[];
  /** Serve GraphiQL to a browser that opens the endpoint. */
  graphiql: boolean;
  /** Answer `__schema` and `__type` (schema introspection); `__typename` always works. */
  introspection: boolean;
}

/** Requests a minute per client, counted by each server instance on its own; 0 is no limit. */
export interface RateLimitConfig {
  /** For requests without a token (and tokens without `sub`), per client address. */
  anonymousPerMinute: number;
  /** For requests with a verified token, per token subject (`sub`). */
  tokenPerMinute: number;
  /** Proxies in front of the server: the client address is this many entries from the right of X-Forwarded-For. */
  trustProxyHops: number;
}

/** How much one operation may ask for, checked before anything runs. */
export interface OperationLimits {
  /** Deepest nesting of fields. */
  depth: number;
  /** Estimated cost: each field 1, times the page size of the lists around it. */
  cost: number;
  /** Most aliased fields. */
  aliases: number;
  /** Most fields selected in all. */
  breadth: number;
}

export interface LimitsConfig {
  /** For anonymous callers and any role that is not a producer role. */
  reader: OperationLimits;
  /** For producer roles. */
  producer: OperationLimits;
  /** Most tokens a document may have; parsing stops past it. */
  tokens: number;
  /** Most bytes of one request body; yoga stops reading past it (413). */
  requestBytes: number;
}

/** How bearer tokens are verified and which PostgreSQL roles they may name. */
export interface AuthConfig {
  /** HMAC secret for HS256/HS384/HS512 tokens; at least 32 bytes. */
  jwtSecret: string | undefined;
  /** A JSON Web Key Set URL for RS256/ES256/EdDSA tokens, fetched and cached. */
  jwksUrl: URL | undefined;
  /** A JSON Web Key Set file, read again when a token names an unknown key. */
  jwksFile: string | undefined;
  /** Required `aud` claim, when set. */
  audience: string | undefined;
  /** Required `iss` claim, when set. */
  issuer: string | undefined;
  /** Path of the role claim in the token payload, e.g. ['app_metadata', 'role']. */
  roleClaimPath: string[];
  /** Leeway for exp, nbf and iat, in seconds. */
  clockToleranceSeconds: number;
  /** The role of requests without a token (or with a token that names none). */
  anonymousRole: string;
  /** Roles that may use the producer API (writes and producer-only reads). */
  producerRoles: string[];
  /** Every role a token may name; anything else is refused. */
  allowedRoles: string[];
  /** Where the server keeps the secret it makes for itself in development. */
  devSecretFile: string;
  /** In production a missing key is fatal rather than made up. */
  production: boolean;
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

/** PostgreSQL role names as PostgREST accepts them: plain lower-case identifiers. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function readRoles(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]?.trim();
  const roles = raw ? raw.split(',').map((role) => role.trim()) : fallback;
  for (const role of roles) {
    if (!ROLE_NAME.test(role)) {
      throw new ConfigError(
        `${name} must list PostgreSQL role names (lower-case identifiers), got "${role}"`,
      );
    }
  }
  return roles;
}

function readUrl(env: Env, name: string): URL | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // Reported below, with the variable's name.
  }
  throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
}

function loadAuthConfig(env: Env, dataDir: string): AuthConfig {
  const jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError(
      `JWT_SECRET must be at least 32 bytes, got ${Buffer.byteLength(jwtSecret)}; make one with: openssl rand -base64 32`,
    );
  }
  const jwksUrl = readUrl(env, 'JWKS_URL');
  const jwksFile = env.JWKS_FILE?.trim() ? path.resolve(env.JWKS_FILE.trim()) : undefined;
  const production = env.NODE_ENV === 'production';
  if (
    production &&
    jwksUrl?.protocol === 'http:' &&
    !['localhost', '127.0.0.1', '[::1]'].includes(jwksUrl.hostname)
  ) {
    throw new ConfigError(
      'JWKS_URL must use https in production: keys fetched over plain http can be replaced on the way',
    );
  }
  if (production && !jwtSecret && !jwksUrl && !jwksFile) {
    throw new ConfigError(
      'NODE_ENV is production but no key is configured: set JWT_SECRET (at least 32 bytes), JWKS_URL or JWKS_FILE',
    );
  }

  const anonymousRole = readRoles(env, 'ANONYMOUS_ROLE', ['api_anon'])[0]!;
  const producerRoles = readRoles(env, 'PRODUCER_ROLES', ['api_data_producer']);
  const allowedRoles = readRoles(env, 'ALLOWED_ROLES', [anonymousRole, ...producerRoles]);
  for (const role of [anonymousRole, ...producerRoles]) {
    if (!allowedRoles.includes(role)) {
      throw new ConfigError(`ALLOWED_ROLES must include "${role}" (the anonymous and producer roles)`);
    }
  }

  const roleClaim = env.JWT_ROLE_CLAIM?.trim() || 'role';
  const roleClaimPath = roleClaim.split('.');
  if (roleClaimPath.some((segment) => segment === '')) {
    throw new ConfigError(
      `JWT_ROLE_CLAIM must be a claim name or a dotted path such as app_metadata.role, got "${roleClaim}"`,
    );
  }

  return {
    jwtSecret,
    jwksUrl,
    jwksFile,
    audience: env.JWT_AUDIENCE?.trim() || undefined,
    issuer: env.JWT_ISSUER?.trim() || undefined,
    roleClaimPath,
    clockToleranceSeconds: readInteger(env, 'JWT_CLOCK_TOLERANCE', 30, 0, 600),
    anonymousRole,
    producerRoles,
    allowedRoles,
    devSecretFile: path.join(dataDir, 'jwt-secret'),
    production,
  };
}

/** Most rows one mutation may write unless MAX_BATCH_SIZE says otherwise. */
export const DEFAULT_MAX_BATCH_SIZE = 10_000;

/** Distinct statements prepared on each PostgreSQL connection unless DATABASE_PREPARED_STATEMENTS says otherwise. */
export const DEFAULT_PREPARED_STATEMENTS = 500;

/** How long a request waits for a PostgreSQL connection unless DATABASE_CONNECT_TIMEOUT_MS says otherwise. */
export const DEFAULT_DATABASE_CONNECT_TIMEOUT_MS = 2_000;

/** How long /healthz waits for the database unless HEALTH_TIMEOUT_MS says otherwise. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;

/** The manifest `npm run codegen` writes for folioql's own client. */
export const DEFAULT_TRUSTED_DOCUMENTS = fileURLToPath(
  new URL('./client/generated/persisted-documents.json', import.meta.url),
);

function readPersistedOperations(env: Env): string | undefined {
  const raw = env.PERSISTED_OPERATIONS?.trim();
  if (!raw || raw === 'off') return undefined;
  return raw === 'only' ? DEFAULT_TRUSTED_DOCUMENTS : path.resolve(raw);
}

/**
 * CORS_ORIGINS: exact origins (`https://app.example.com`, comma-separated),
 * `*` for any origin without credentials, or `none`. Unset: none in
 * production, any origin without credentials in development.
 */
function readCorsOrigins(env: Env, production: boolean): '*' | string[] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return production ? [] : '*';
  if (raw.toLowerCase() === 'none') return [];
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.includes('*')) {
    if (entries.length === 1) return '*';
    throw new ConfigError(`CORS_ORIGINS must be either "*" alone or a list of origins, got "${raw}"`);
  }
  const origins = entries.map((entry) => {
    if (entry.includes('*')) {
      throw new ConfigError(`CORS_ORIGINS takes exact origins, not patterns: list each one, got "${entry}"`);
    }
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      if (url.protocol === 'https:' || url.protocol === 'http:') origin = url.origin;
    } catch {
      // Reported below, with the variable's name.
    }
    if (origin === entry) return origin;
    // Browsers send the origin exactly so: scheme and host in lower case, no default port, no path.
    const hint = origin ? `; did you mean "${origin}"?` : '';
    throw new ConfigError(
      `CORS_ORIGINS must list origins such as https://app.example.com (scheme, host and port only, no path or trailing slash), got "${entry}"${hint}`,
    );
  });
  return [...new Set(origins)];
}

/** METRICS_PORT: unset for no metrics server; never the API's own port. */
function readMetricsPort(env: Env): number | undefined {
  if (!env.METRICS_PORT?.trim()) return undefined;
  const port = readInteger(env, 'METRICS_PORT', 0, 0, 65535);
  if (port !== 0 && port === readInteger(env, 'PORT', 4000, 0, 65535)) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}): metrics stay off the public port`);
  }
  return port;
}

function readLimits(env: Env, prefix: string, fallback: OperationLimits): OperationLimits {
  return {
    depth: readInteger(env, `${prefix}DEPTH`, fallback.depth, 1, 100),
    cost: readInteger(env, `${prefix}COST`, fallback.cost, 1, 100_000_000),
    aliases: readInteger(env, `${prefix}ALIASES`, fallback.aliases, 0, 10_000),
    breadth: readInteger(env, `${prefix}BREADTH`, fallback.breadth, 1, 100_000),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  const pgliteDataDir = path.resolve(env.PGLITE_DATA_DIR?.trim() || '.data/pglite');
  return {
    port: readInteger(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    databaseUrl,
    databasePoolMax: readInteger(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    databasePreparedStatements: readInteger(
      env,
      'DATABASE_PREPARED_STATEMENTS',
      DEFAULT_PREPARED_STATEMENTS,
      0,
      100_000,
    ),
    databaseConnectTimeoutMs: readInteger(
      env,
      'DATABASE_CONNECT_TIMEOUT_MS',
      DEFAULT_DATABASE_CONNECT_TIMEOUT_MS,
      100,
      600_000,
    ),
    pgliteDataDir,
    migrateOnStart: readBoolean(env, 'MIGRATE_ON_START', true),
    // Demo data is for the zero-setup PGlite experience; a real server only
    // gets it when asked.
    seedDemoData: readBoolean(env, 'SEED_DEMO_DATA', databaseUrl === undefined),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    metricsPort: readMetricsPort(env),
    metricsHost: env.METRICS_HOST?.trim() || '127.0.0.1',
    maxBatchSize: readInteger(env, 'MAX_BATCH_SIZE', DEFAULT_MAX_BATCH_SIZE, 1, 100_000),
    statementTimeoutMs: readInteger(env, 'STATEMENT_TIMEOUT_MS', 5_000, 100, 3_600_000),
    operationTimeoutMs: readInteger(env, 'OPERATION_TIMEOUT_MS', 10_000, 100, 3_600_000),
    databaseAcquireTimeoutMs: readInteger(
      env,
      'DATABASE_ACQUIRE_TIMEOUT_MS',
      DEFAULT_ADMISSION.acquireTimeoutMs,
      10,
      3_600_000,
    ),
    writeQueueMax: readInteger(env, 'WRITE_QUEUE_MAX', DEFAULT_ADMISSION.writeQueueMax, 0, 10_000),
    writeWaitTimeoutMs: readInteger(
      env,
      'WRITE_WAIT_TIMEOUT_MS',
      DEFAULT_ADMISSION.writeWaitMs,
      100,
      3_600_000,
    ),
    healthTimeoutMs: readInteger(env, 'HEALTH_TIMEOUT_MS', DEFAULT_HEALTH_TIMEOUT_MS, 10, 60_000),
    // The development secret lives beside the embedded database, under .data/.
    auth: loadAuthConfig(env, path.dirname(pgliteDataDir)),
    persistedOperations: readPersistedOperations(env),
    browser: {
      corsOrigins: readCorsOrigins(env, env.NODE_ENV === 'production'),
      // GraphiQL and schema explorers are how people use the API: on unless switched off.
      graphiql: readBoolean(env, 'GRAPHIQL', true),
      introspection: readBoolean(env, 'INTROSPECTION', true),
    },
    // Off by default: the side-by-side benchmark drives one server from one address.
    rateLimit: {
      anonymousPerMinute: readInteger(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 10_000_000),
      tokenPerMinute: readInteger(env, 'RATE_LIMIT_TOKEN_PER_MINUTE', 0, 0, 10_000_000),
      trustProxyHops: readInteger(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    },
    limits: {
      reader: readLimits(env, 'LIMIT_', { depth: 8, cost: 25_000, aliases: 15, breadth: 200 }),
      producer: readLimits(env, 'PRODUCER_LIMIT_', { depth: 12, cost: 500_000, aliases: 50, breadth: 1_000 }),
      tokens: readInteger(env, 'LIMIT_TOKENS', 20_000, 100, 10_000_000),
      // 10,000 trades with the longest ids and decimals allowed fit in about 6 MB.
      requestBytes: readInteger(env, 'LIMIT_REQUEST_BYTES', 8 * 2 ** 20, 1_024, 2 ** 30),
    },
  };
}
