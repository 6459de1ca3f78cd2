/**
 * Runtime configuration, read once from the environment.
 *
 * `SETTINGS` declares every environment variable once: how it is read and
 * checked, its default, and its row in the README's configuration table.
 * `loadConfig` reads them all, checks the ones that depend on each other, and
 * arranges them into `Config`, whose type follows from the two. The README
 * table is written from `SETTINGS` by `npm run config:readme`, and a test
 * fails while they differ.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ADMISSION } from './db/admission.ts';

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

/** Most rows one mutation may write unless MAX_BATCH_SIZE says otherwise. */
export const DEFAULT_MAX_BATCH_SIZE = 10_000;

/** Distinct statements prepared on each PostgreSQL connection unless DATABASE_PREPARED_STATEMENTS says otherwise. */
export const DEFAULT_PREPARED_STATEMENTS = 500;

/** How long a request waits for a PostgreSQL connection unless DATABASE_CONNECT_TIMEOUT_MS says otherwise. */
export const DEFAULT_DATABASE_CONNECT_TIMEOUT_MS = 2_000;

/** Subscriptions unless CHANGES_RETENTION_MS, SUBSCRIPTIONS_MAX, SUBSCRIPTIONS_PER_CONNECTION or SUBSCRIPTION_BUFFER say otherwise. */
export const DEFAULT_LIVE = {
  retentionMs: 24 * 3_600_000,
  maxSubscriptions: 10_000,
  perConnection: 20,
  buffer: 1_000,
  pollMs: 5_000,
};

/** How long /healthz waits for the database unless HEALTH_TIMEOUT_MS says otherwise. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;

/** The manifest `npm run codegen` writes for folioql's own client. */
export const DEFAULT_TRUSTED_DOCUMENTS = fileURLToPath(
  // From the project root, so src/config.ts and the compiled dist/config.js name the same file.
  new URL('../src/programs/client/generated/persisted-documents.json', import.meta.url),
);

function readPersistedOperations(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw || raw === 'off') return undefined;
  return raw === 'only' ? DEFAULT_TRUSTED_DOCUMENTS : path.resolve(raw);
}

function isProduction(env: Env): boolean {
  return env.NODE_ENV === 'production';
}

/**
 * CORS_ORIGINS: exact origins (`https://app.example.com`, comma-separated),
 * `*` for any origin without credentials, or `none`. Unset: none in
 * production, any origin without credentials in development.
 */
function readCorsOrigins(env: Env, name: string): '*' | readonly string[] {
  const raw = env[name]?.trim();
  if (!raw) return isProduction(env) ? [] : '*';
  if (raw.toLowerCase() === 'none') return [];
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.includes('*')) {
    if (entries.length === 1) return '*';
    throw new ConfigError(`${name} must be either "*" alone or a list of origins, got "${raw}"`);
  }
  const origins = entries.map((entry) => {
    if (entry.includes('*')) {
      throw new ConfigError(`${name} takes exact origins, not patterns: list each one, got "${entry}"`);
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
      `${name} must list origins such as https://app.example.com (scheme, host and port only, no path or trailing slash), got "${entry}"${hint}`,
    );
  });
  return [...new Set(origins)];
}

/**
 * One environment variable: how it is read (and refused), and its row in the
 * README's configuration table. `default` is the README's Default cell; the
 * readers below fill it in from a plain default value.
 */
type Setting = {
  read(env: Env, name: string): unknown;
  default: string;
} & (
  | {
      /** The README's Meaning cell. */
      meaning: string;
    }
  | {
      /** Shares the README row of this (earlier) variable, whose Default cell lists each member's default. */
      row: string;
    }
);

const code = (value: string | number | boolean) => `\`${value}\``;

function integer(fallback: number, min: number, max: number) {
  return {
    read: (env: Env, name: string) => readInteger(env, name, fallback, min, max),
    default: code(fallback),
  };
}

/** Unset (or empty) is undefined, not a number. */
function optionalInteger(min: number, max: number) {
  return {
    read: (env: Env, name: string) => (env[name]?.trim() ? readInteger(env, name, 0, min, max) : undefined),
    default: 'unset',
  };
}

function boolean(fallback: boolean) {
  return { read: (env: Env, name: string) => readBoolean(env, name, fallback), default: code(fallback) };
}

function choice<const Choice extends string>(choices: readonly Choice[], fallback: Choice) {
  return {
    read: (env: Env, name: string) => readChoice(env, name, choices, fallback),
    default: code(fallback),
  };
}

function text(fallback: string) {
  return { read: (env: Env, name: string) => env[name]?.trim() || fallback, default: code(fallback) };
}

function optionalText() {
  return { read: (env: Env, name: string) => env[name]?.trim() || undefined, default: 'unset' };
}

/** A path, made absolute against the working directory. */
function directory(fallback: string) {
  return {
    read: (env: Env, name: string) => path.resolve(env[name]?.trim() || fallback),
    default: code(fallback),
  };
}

function optionalFile() {
  return {
    read: (env: Env, name: string) => {
      const raw = env[name]?.trim();
      return raw ? path.resolve(raw) : undefined;
    },
    default: 'unset',
  };
}

function roles(fallback: string[]) {
  return {
    read: (env: Env, name: string) => readRoles(env, name, fallback),
    default: fallback.map(code).join(', '),
  };
}

/**
 * Every environment variable folioql reads, in the order of the README's
 * table. Settings whose default depends on another variable, or that are
 * checked against another, say so in their README cells; the checks across
 * settings are in `loadConfig`.
 */
export const SETTINGS = {
  PORT: { ...integer(4000, 0, 65535), meaning: 'HTTP port. `0` picks a free one.' },
  HOST: { ...text('127.0.0.1'), meaning: 'Address to listen on. Use `0.0.0.0` in a container.' },
  DATABASE_URL: {
    ...optionalText(),
    meaning:
      'PostgreSQL connection string, e.g. `postgres://user:pass@host:5432/portfolio`. Unset: the embedded PGlite.',
  },
  DATABASE_LISTEN_URL: {
    ...optionalText(),
    meaning:
      "Where each instance's one listening connection for live updates goes (LISTEN needs a session): straight to PostgreSQL when `DATABASE_URL` points at PgBouncer in transaction mode. Unset: `DATABASE_URL`.",
  },
  DATABASE_POOL_MAX: { ...integer(10, 1, 1000), meaning: 'Most connections to PostgreSQL.' },
  DATABASE_PREPARED_STATEMENTS: {
    ...integer(DEFAULT_PREPARED_STATEMENTS, 0, 100_000),
    meaning:
      'How many distinct SQL statements each PostgreSQL connection prepares (one round trip a statement instead of two). `0` for none: poolers older than PgBouncer 1.21, or one without `max_prepared_statements`.',
  },
  DATABASE_CONNECT_TIMEOUT_MS: {
    // Also how long an operation waits for a connection while the database
    // answers nothing, before 503 DATABASE_UNAVAILABLE (see db/connection-deadline.ts).
    ...integer(DEFAULT_DATABASE_CONNECT_TIMEOUT_MS, 100, 600_000),
    meaning:
      'Longest a connection attempt may take, and an operation wait for a connection while PostgreSQL answers nothing at all; then it is answered 503 `DATABASE_UNAVAILABLE` and never runs later.',
  },
  PGLITE_DATA_DIR: {
    ...directory('.data/pglite'),
    meaning: 'Where the embedded database keeps its files (without `DATABASE_URL`).',
  },
  MIGRATE_ON_START: {
    ...boolean(true),
    meaning:
      'Apply pending migrations at startup. Set `false` where `npm run db:migrate` runs as its own step.',
  },
  SEED_DEMO_DATA: {
    // Demo data is for the zero-setup PGlite experience; a real server only
    // gets it when asked.
    read: (env: Env, name: string) => readBoolean(env, name, !env.DATABASE_URL?.trim()),
    default: '`true` on PGlite, `false` with `DATABASE_URL`',
    meaning: 'Fill the database with the demo portfolio if, and only if, both tables are empty.',
  },
  LOG_LEVEL: {
    ...choice(LOG_LEVELS, 'info'),
    meaning:
      '`debug`, `info`, `warn`, `error` or `silent`. The log is JSON, one object a line on stdout (see [Operations](#operations)).',
  },
  METRICS_PORT: {
    ...optionalInteger(0, 65535),
    meaning:
      "Port of the Prometheus metrics server (`GET /metrics`, see [Operations](#operations)); never the API's port. Unset: no metrics at all.",
  },
  METRICS_HOST: {
    ...text('127.0.0.1'),
    meaning:
      'Address the metrics server listens on. Keep it private: `0.0.0.0` only where the network keeps the port from the public (e.g. a container whose metrics port is not published).',
  },
  MAX_BATCH_SIZE: {
    ...integer(DEFAULT_MAX_BATCH_SIZE, 1, 100_000),
    meaning: 'Most trades or history points one mutation may write, and ids one delete may take.',
  },
  LIMIT_DEPTH: {
    ...integer(8, 1, 100),
    meaning: 'Operation limits for anonymous callers and other non-producer roles (see [Limits](#limits)).',
  },
  LIMIT_COST: { ...integer(25_000, 1, 100_000_000), row: 'LIMIT_DEPTH' },
  LIMIT_ALIASES: { ...integer(15, 0, 10_000), row: 'LIMIT_DEPTH' },
  LIMIT_BREADTH: { ...integer(200, 1, 100_000), row: 'LIMIT_DEPTH' },
  PRODUCER_LIMIT_DEPTH: { ...integer(12, 1, 100), meaning: 'The same for producer roles.' },
  PRODUCER_LIMIT_COST: { ...integer(500_000, 1, 100_000_000), row: 'PRODUCER_LIMIT_DEPTH' },
  PRODUCER_LIMIT_ALIASES: { ...integer(50, 0, 10_000), row: 'PRODUCER_LIMIT_DEPTH' },
  PRODUCER_LIMIT_BREADTH: { ...integer(1_000, 1, 100_000), row: 'PRODUCER_LIMIT_DEPTH' },
  LIMIT_TOKENS: { ...integer(20_000, 100, 10_000_000), meaning: 'Most tokens in one document.' },
  LIMIT_REQUEST_BYTES: {
    // 10,000 trades with the longest ids and decimals allowed fit in about 6 MB.
    ...integer(8 * 2 ** 20, 1_024, 2 ** 30),
    default: '`8388608` (8 MiB)',
    meaning:
      'Most bytes of one request body; past it the server stops reading and answers 413 `REQUEST_ENTITY_TOO_LARGE`.',
  },
  PERSISTED_OPERATIONS: {
    read: readPersistedOperations,
    default: '`off`',
    meaning:
      '`only`: run only the trusted documents of `src/programs/client/generated/persisted-documents.json`; a path: those of another manifest (see [Trusted documents](#trusted-documents)).',
  },
  COMPILED_EXECUTION: {
    ...boolean(true),
    meaning:
      'Run operations compiled by graphql-jit (see [Performance](#performance) for what it gains); `false` runs every operation on graphql-js.',
  },
  STATEMENT_TIMEOUT_MS: {
    ...integer(5_000, 100, 3_600_000),
    meaning:
      'Longest one SQL statement may run before PostgreSQL cancels it (`STATEMENT_TIMEOUT`). PGlite cannot interrupt a statement and ignores it.',
  },
  CHANGES_RETENTION_MS: {
    ...integer(DEFAULT_LIVE.retentionMs, 0, 31 * 86_400_000),
    meaning:
      'How long the change log keeps an event for subscribers resuming with `after`; an older cursor gets `CURSOR_EXPIRED`. `0` keeps every event.',
  },
  SUBSCRIPTIONS_MAX: {
    ...integer(DEFAULT_LIVE.maxSubscriptions, 0, 1_000_000),
    meaning:
      'Most subscriptions one instance serves at once, over both transports; more get `SUBSCRIPTION_LIMIT`.',
  },
  SUBSCRIPTIONS_PER_CONNECTION: {
    ...integer(DEFAULT_LIVE.perConnection, 1, 10_000),
    meaning: 'Most subscriptions on one WebSocket at once; more get `SUBSCRIPTION_LIMIT`.',
  },
  SUBSCRIPTION_BUFFER: {
    ...integer(DEFAULT_LIVE.buffer, 1, 1_000_000),
    meaning:
      'Most events waiting to be sent to one subscriber; one that falls further behind is ended with `SUBSCRIBER_TOO_SLOW` and resumes with its cursor.',
  },
  RESPONSE_CACHE_TTL_MS: {
    ...integer(0, 0, 3_600_000),
    meaning:
      'Keep answers to anonymous reads this long and serve them again without running them, with an `ETag` (`If-None-Match` gets a 304); every committed change, on any instance, empties the cache at once. `0`: no cache.',
  },
  CHANGES_POLL_MS: {
    ...integer(DEFAULT_LIVE.pollMs, 0, 3_600_000),
    meaning:
      'A safety net under LISTEN: while anyone subscribes, the change log is also read this often, so a lost notification delays an event by at most this much. `0` for none (notifications and reconnections only).',
  },
  OPERATION_TIMEOUT_MS: {
    ...integer(10_000, 100, 3_600_000),
    meaning:
      'Time budget of one operation, waits and retries included; no statement starts after it (`OPERATION_TIMEOUT`).',
  },
  DATABASE_ACQUIRE_TIMEOUT_MS: {
    ...integer(DEFAULT_ADMISSION.acquireTimeoutMs, 10, 3_600_000),
    meaning:
      "Longest an operation waits for one of the pool's connections (`DATABASE_BUSY`); operations wait in folioql's own line, never in the driver's unbounded one. Keep it above `DATABASE_CONNECT_TIMEOUT_MS`: when connecting fails, everyone in line is answered `DATABASE_UNAVAILABLE` at once.",
  },
  WRITE_QUEUE_MAX: {
    ...integer(DEFAULT_ADMISSION.writeQueueMax, 0, 10_000),
    meaning: "Most mutations waiting for this instance's write turn; more are answered `WRITE_BUSY`.",
  },
  WRITE_WAIT_TIMEOUT_MS: {
    ...integer(DEFAULT_ADMISSION.writeWaitMs, 100, 3_600_000),
    meaning:
      'Longest a mutation waits for the write turn, and for the write lock in PostgreSQL (`lock_timeout`), before `WRITE_BUSY`.',
  },
  HEALTH_TIMEOUT_MS: {
    ...integer(DEFAULT_HEALTH_TIMEOUT_MS, 10, 60_000),
    meaning: 'Longest `/healthz` waits for the database before it answers 503.',
  },
  JWT_SECRET: {
    // Not trimmed: a secret is taken exactly as given.
    read: (env: Env, name: string) => {
      const secret = env[name] || undefined;
      if (secret !== undefined && Buffer.byteLength(secret) < 32) {
        throw new ConfigError(
          `${name} must be at least 32 bytes, got ${Buffer.byteLength(secret)}; make one with: openssl rand -base64 32`,
        );
      }
      return secret;
    },
    default: 'unset',
    meaning: 'HMAC secret (HS256/384/512), at least 32 bytes.',
  },
  JWKS_URL: {
    read: readUrl,
    default: 'unset',
    meaning: 'JSON Web Key Set URL for RS256/ES256/EdDSA tokens.',
  },
  JWKS_FILE: { ...optionalFile(), meaning: 'JSON Web Key Set file, instead of `JWKS_URL`.' },
  JWT_AUDIENCE: { ...optionalText(), meaning: 'Required `aud`, when set.' },
  JWT_ISSUER: { ...optionalText(), meaning: 'Required `iss`, when set.' },
  JWT_ROLE_CLAIM: {
    /** The path of the role claim in the token payload, e.g. ['app_metadata', 'role']. */
    read: (env: Env, name: string) => {
      const roleClaim = env[name]?.trim() || 'role';
      const roleClaimPath = roleClaim.split('.');
      if (roleClaimPath.some((segment) => segment === '')) {
        throw new ConfigError(
          `${name} must be a claim name or a dotted path such as app_metadata.role, got "${roleClaim}"`,
        );
      }
      return roleClaimPath;
    },
    default: code('role'),
    meaning: 'Claim (or dotted path, e.g. `app_metadata.role`) holding the role.',
  },
  JWT_CLOCK_TOLERANCE: { ...integer(30, 0, 600), meaning: 'Seconds of leeway for `exp`, `nbf` and `iat`.' },
  ANONYMOUS_ROLE: {
    read: (env: Env, name: string) => readRoles(env, name, ['api_anon'])[0]!,
    default: code('api_anon'),
    meaning: 'Role of requests without a token.',
  },
  PRODUCER_ROLES: {
    ...roles(['api_data_producer']),
    meaning: 'Roles that may use the producer API (comma-separated).',
  },
  ALLOWED_ROLES: {
    // Unset: undefined, and loadConfig allows the anonymous and producer roles.
    read: (env: Env, name: string) => (env[name]?.trim() ? readRoles(env, name, []) : undefined),
    default: 'the two above',
    meaning:
      'Every role a token may name (comma-separated); extra roles read like `api_anon`, within their grants.',
  },
  NODE_ENV: {
    // Read as whether it is production: nothing else about it matters here.
    read: (env: Env) => isProduction(env),
    default: 'unset',
    meaning:
      '`production`: refuse to start without `JWT_SECRET` or a JWKS (over https), never make a development secret, and send no CORS headers unless `CORS_ORIGINS` says so.',
  },
  CORS_ORIGINS: {
    read: readCorsOrigins,
    default: '`*`; `none` in production',
    meaning:
      'Origins whose pages may read responses, with credentials: exact, comma-separated (`https://app.example.com`). `*`: any origin, without credentials; `none`: no CORS headers ([more](#browser-facing-defaults)).',
  },
  // GraphiQL and schema explorers are how people use the API: on unless switched off.
  GRAPHIQL: {
    ...boolean(true),
    meaning: 'Serve GraphiQL at `/graphql` to browsers; `false` serves no page.',
  },
  // The live portfolio page is what the API is for, shown: on unless switched off.
  PORTFOLIO_PAGE: {
    ...boolean(true),
    meaning:
      'Serve the live portfolio page at `/` (chart, headline figures, latest trades, live); `false` serves nothing there.',
  },
  INTROSPECTION: {
    ...boolean(true),
    meaning:
      'Answer `__schema` and `__type`; `false` refuses them (`GRAPHQL_VALIDATION_FAILED`), while `__typename` still works.',
  },
  // Rate limits are off by default: the side-by-side benchmark drives one server from one address.
  RATE_LIMIT_PER_MINUTE: {
    ...integer(0, 0, 10_000_000),
    default: '`0` (off)',
    meaning:
      'GraphQL requests a minute per client address, for requests without a token (or with a token without `sub`), counted by each instance; past it, 429 `RATE_LIMITED`. Production: about `600`.',
  },
  RATE_LIMIT_TOKEN_PER_MINUTE: {
    ...integer(0, 0, 10_000_000),
    default: '`0` (off)',
    meaning: 'The same per token subject (`sub`) of verified tokens. Production: about `6000`.',
  },
  TRUST_PROXY_HOPS: {
    ...integer(0, 0, 10),
    meaning:
      "Proxies in front of the server (a load balancer: `1`): the client address is the `X-Forwarded-For` entry this many from the right. `0`: the TCP peer's address.",
  },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

/** Each variable's value as its reader returns it. */
type Settings = { [Name in SettingName]: ReturnType<(typeof SETTINGS)[Name]['read']> };

function readSettings(env: Env): Settings {
  const settings: Partial<Record<SettingName, unknown>> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    settings[name] = setting.read(env, name);
  }
  return settings as Settings;
}

/** One row of the README's configuration table, as the declaration has it. */
export interface ConfigTableRow {
  variables: SettingName[];
  default: string;
  meaning: string;
}

/** The README's configuration table, from `SETTINGS`. */
export function configTableRows(): ConfigTableRow[] {
  const rows: ConfigTableRow[] = [];
  const defaults = new Map<ConfigTableRow, string[]>();
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    if ('meaning' in setting) {
      const row = { variables: [name], default: setting.default, meaning: setting.meaning };
      rows.push(row);
      defaults.set(row, [setting.default]);
      continue;
    }
    const row = rows.find((candidate) => candidate.variables[0] === setting.row);
    if (!row)
      throw new Error(
        `${name} shares the row of ${setting.row}, which is not an earlier row's first variable`,
      );
    row.variables.push(name);
    defaults.get(row)!.push(setting.default);
  }
  // A shared row lists its variables' defaults in order, as plain numbers.
  for (const [row, values] of defaults) {
    if (values.length > 1) row.default = values.map((value) => value.replaceAll('`', '')).join(', ');
  }
  return rows;
}

/** The checks of the token keys that depend on NODE_ENV. */
function checkKeys(settings: Settings): void {
  const { JWKS_URL: jwksUrl, JWKS_FILE: jwksFile, JWT_SECRET: jwtSecret, NODE_ENV: production } = settings;
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
}

function operationLimits(depth: number, cost: number, aliases: number, breadth: number) {
  return {
    /** Deepest nesting of fields. */
    depth,
    /** Estimated cost: each field 1, times the page size of the lists around it. */
    cost,
    /** Most aliased fields. */
    aliases,
    /** Most fields selected in all. */
    breadth,
  };
}

/** The settings arranged as the rest of the code reads them; `Config` is its type. */
function arrange(settings: Settings) {
  const s = settings;
  checkKeys(s);

  const anonymousRole = s.ANONYMOUS_ROLE;
  const producerRoles = s.PRODUCER_ROLES;
  const allowedRoles = s.ALLOWED_ROLES ?? [anonymousRole, ...producerRoles];
  for (const role of [anonymousRole, ...producerRoles]) {
    if (!allowedRoles.includes(role)) {
      throw new ConfigError(`ALLOWED_ROLES must include "${role}" (the anonymous and producer roles)`);
    }
  }

  // Metrics stay off the public port.
  if (s.METRICS_PORT !== undefined && s.METRICS_PORT !== 0 && s.METRICS_PORT === s.PORT) {
    throw new ConfigError(
      `METRICS_PORT must differ from PORT (${s.METRICS_PORT}): metrics stay off the public port`,
    );
  }

  return {
    /** TCP port of the HTTP server. */
    port: s.PORT,
    /** Interface to listen on; 127.0.0.1 keeps a development server private. */
    host: s.HOST,
    /** PostgreSQL connection string; unset means the embedded PGlite database. */
    databaseUrl: s.DATABASE_URL,
    /** Where the listening connection goes, when not DATABASE_URL (which may be a pooler). */
    databaseListenUrl: s.DATABASE_LISTEN_URL,
    /** Most connections postgres.js opens to PostgreSQL. */
    databasePoolMax: s.DATABASE_POOL_MAX,
    /** How many distinct statements are prepared on each connection; 0 turns preparing off. */
    databasePreparedStatements: s.DATABASE_PREPARED_STATEMENTS,
    /**
     * Longest a connection attempt to PostgreSQL may take, and longest an
     * operation waits for a connection while the database answers nothing,
     * before it is answered 503 DATABASE_UNAVAILABLE (see db/connection-deadline.ts).
     */
    databaseConnectTimeoutMs: s.DATABASE_CONNECT_TIMEOUT_MS,
    /** Where the embedded PGlite database keeps its files. */
    pgliteDataDir: s.PGLITE_DATA_DIR,
    /** Apply pending migrations before serving. */
    migrateOnStart: s.MIGRATE_ON_START,
    /** Fill an empty database with the deterministic demo portfolio. */
    seedDemoData: s.SEED_DEMO_DATA,
    /** Least severe server log messages printed. */
    logLevel: s.LOG_LEVEL,
    /** Port of the Prometheus metrics server (GET /metrics); unset, no metrics at all. */
    metricsPort: s.METRICS_PORT,
    /** Interface the metrics server listens on; 127.0.0.1 keeps it off the network. */
    metricsHost: s.METRICS_HOST,
    /** Most trades or history points one mutation may write or delete. */
    maxBatchSize: s.MAX_BATCH_SIZE,
    /** Longest one SQL statement may run before PostgreSQL cancels it (not enforced by PGlite). */
    statementTimeoutMs: s.STATEMENT_TIMEOUT_MS,
    /** Longest one operation may take in all (waits, retries and statements); later statements are not started. */
    operationTimeoutMs: s.OPERATION_TIMEOUT_MS,
    /** Longest an operation waits for one of the pool's connections. */
    databaseAcquireTimeoutMs: s.DATABASE_ACQUIRE_TIMEOUT_MS,
    /** Most writing operations waiting for this instance's write turn. */
    writeQueueMax: s.WRITE_QUEUE_MAX,
    /** Longest a writing operation waits for the write turn, and for the write lock in PostgreSQL. */
    writeWaitTimeoutMs: s.WRITE_WAIT_TIMEOUT_MS,
    /** Longest /healthz waits for the database's answer before it reports 503. */
    healthTimeoutMs: s.HEALTH_TIMEOUT_MS,
    /** How long answers to anonymous reads are kept and served again; 0 for no cache. */
    responseCacheTtlMs: s.RESPONSE_CACHE_TTL_MS,
    /** Subscriptions: how far back they may resume, and how many there may be. */
    live: {
      /** How long the change log keeps events for resuming subscribers; 0 keeps all. */
      retentionMs: s.CHANGES_RETENTION_MS,
      /** Most subscriptions this instance serves at once. */
      maxSubscriptions: s.SUBSCRIPTIONS_MAX,
      /** Most subscriptions on one WebSocket. */
      perConnection: s.SUBSCRIPTIONS_PER_CONNECTION,
      /** Most events queued for one subscriber before it is ended as too slow. */
      buffer: s.SUBSCRIPTION_BUFFER,
      /** How often the change log is read besides notifications, while anyone subscribes; 0 for never. */
      pollMs: s.CHANGES_POLL_MS,
    },
    /** How bearer tokens are verified and which PostgreSQL roles they may name. */
    auth: {
      /** HMAC secret for HS256/HS384/HS512 tokens; at least 32 bytes. */
      jwtSecret: s.JWT_SECRET,
      /** A JSON Web Key Set URL for RS256/ES256/EdDSA tokens, fetched and cached. */
      jwksUrl: s.JWKS_URL,
      /** A JSON Web Key Set file, read again when a token names an unknown key. */
      jwksFile: s.JWKS_FILE,
      /** Required `aud` claim, when set. */
      audience: s.JWT_AUDIENCE,
      /** Required `iss` claim, when set. */
      issuer: s.JWT_ISSUER,
      /** Path of the role claim in the token payload, e.g. ['app_metadata', 'role']. */
      roleClaimPath: s.JWT_ROLE_CLAIM,
      /** Leeway for exp, nbf and iat, in seconds. */
      clockToleranceSeconds: s.JWT_CLOCK_TOLERANCE,
      /** The role of requests without a token (or with a token that names none). */
      anonymousRole,
      /** Roles that may use the producer API (writes and producer-only reads). */
      producerRoles,
      /** Every role a token may name; anything else is refused. */
      allowedRoles,
      /** Where the server keeps the secret it makes for itself in development. */
      // The development secret lives beside the embedded database, under .data/.
      devSecretFile: path.join(path.dirname(s.PGLITE_DATA_DIR), 'jwt-secret'),
      /** In production a missing key is fatal rather than made up. */
      production: s.NODE_ENV,
    },
    /** How much one operation may ask for, checked before anything runs. */
    limits: {
      /** For anonymous callers and any role that is not a producer role. */
      reader: operationLimits(s.LIMIT_DEPTH, s.LIMIT_COST, s.LIMIT_ALIASES, s.LIMIT_BREADTH),
      /** For producer roles. */
      producer: operationLimits(
        s.PRODUCER_LIMIT_DEPTH,
        s.PRODUCER_LIMIT_COST,
        s.PRODUCER_LIMIT_ALIASES,
        s.PRODUCER_LIMIT_BREADTH,
      ),
      /** Most tokens a document may have; parsing stops past it. */
      tokens: s.LIMIT_TOKENS,
      /** Most bytes of one request body; yoga stops reading past it (413). */
      requestBytes: s.LIMIT_REQUEST_BYTES,
    },
    /** With a manifest path, the server runs only the trusted documents it lists. */
    persistedOperations: s.PERSISTED_OPERATIONS,
    /** Run operations compiled by graphql-jit rather than graphql-js's executor. */
    compiledExecution: s.COMPILED_EXECUTION,
    /** What web pages may do with the API: read it from other origins, explore it. */
    browser: {
      /**
       * Origins whose pages may read responses, with credentials; '*' lets any
       * page read them, without credentials; empty, none (no CORS headers).
       */
      corsOrigins: s.CORS_ORIGINS,
      /** Serve GraphiQL to a browser that opens the endpoint. */
      graphiql: s.GRAPHIQL,
      /** Serve the live portfolio page at `/`. */
      portfolioPage: s.PORTFOLIO_PAGE,
      /** Answer `__schema` and `__type` (schema introspection); `__typename` always works. */
      introspection: s.INTROSPECTION,
    },
    /** Requests a minute per client, counted by each server instance on its own; 0 is no limit. */
    rateLimit: {
      /** For requests without a token (and tokens without `sub`), per client address. */
      anonymousPerMinute: s.RATE_LIMIT_PER_MINUTE,
      /** For requests with a verified token, per token subject (`sub`). */
      tokenPerMinute: s.RATE_LIMIT_TOKEN_PER_MINUTE,
      /** Proxies in front of the server: the client address is this many entries from the right of X-Forwarded-For. */
      trustProxyHops: s.TRUST_PROXY_HOPS,
    },
  };
}

export type Config = ReturnType<typeof arrange>;
/** How bearer tokens are verified and which PostgreSQL roles they may name. */
export type AuthConfig = Config['auth'];
export type LimitsConfig = Config['limits'];
/** How much one operation may ask for, checked before anything runs. */
export type OperationLimits = LimitsConfig['reader'];
/** What web pages may do with the API: read it from other origins, explore it. */
export type BrowserConfig = Config['browser'];
/** Requests a minute per client, counted by each server instance on its own; 0 is no limit. */
export type RateLimitConfig = Config['rateLimit'];
/** Subscriptions: how far back they may resume, and how many there may be. */
export type LiveConfig = Config['live'];

export function loadConfig(env: Env = process.env): Config {
  return arrange(readSettings(env));
}
