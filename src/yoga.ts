/**
 * The GraphQL server as a fetch handler, with no port: index.ts listens,
 * tests call `app.fetch(...)` directly.
 */
import { createYoga, type YogaLogger } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GraphQLSchema } from 'graphql';
import type { Authenticate } from './auth/authenticate.ts';
import type { BrowserConfig, LimitsConfig, LiveConfig, RateLimitConfig } from './config.ts';
import { DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_LIVE } from './config.ts';
import { createRequestContext, viewerOnce, type Context, type RequestSettings } from './context.ts';
import type { DatabaseConnection } from './db/database.ts';
import { createRoleTransactions } from './db/role-transaction.ts';
import { pageAssetsOnce } from './plugins/portfolio-page.ts';
import { loadPageAssets } from './web/page-assets.ts';
import { ChangeFeed } from './live/change-feed.ts';
import { registerLiveMetrics } from './live/metrics.ts';
import { pipeline } from './pipeline.ts';
import { corsOptionsFor } from './plugins/browser-defaults.ts';
import { createMaskError, logWithErrorIds } from './plugins/error-masking.ts';
import { createObservability } from './plugins/observability.ts';
import { requestCounter } from './plugins/rate-limit.ts';
import type { TrustedDocuments } from './plugins/trusted-documents.ts';
import { schema as folioqlSchema } from './schema/index.ts';

export const GRAPHQL_PATH = '/graphql';
/** Readiness: 200 while the database answers, 503 while it does not or not within HEALTH_TIMEOUT_MS. */
export const READINESS_PATH = '/healthz';

const exampleQuery = /* GraphQL */ `
  # Welcome to folioql. Press the run button (or Ctrl-Enter).
  query LatestTradesAndHistory {
    latestTrades(limit: 5) {
      id
      time
      symbol
      isBuy
      amount
      price
      usdValue
    }
    portfolioHistory(interval: WEEK, first: 4) {
      totalCount
      nodes {
        time
        usdTotalValue
        intervalPctReturn
        benchmarkBtcIntervalPctReturn
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export interface AppOptions {
  database: DatabaseConnection;
  logger: YogaLogger;
  /** Turns a request's Authorization header into its viewer (see auth/). */
  authenticate: Authenticate;
  settings: RequestSettings;
  /** How much one operation may ask for, by role. */
  limits: LimitsConfig;
  /** When given, the server runs only these documents (PERSISTED_OPERATIONS). */
  trustedDocuments?: TrustedDocuments;
  /** Whether operations run compiled by graphql-jit (COMPILED_EXECUTION); on unless given. */
  compiledExecution?: boolean;
  /** This app's Prometheus registry (METRICS_PORT); none, no metrics are kept. */
  metrics?: Registry;
  /** Where the one JSON line per request goes; none, it is not written. */
  requestLog?: Logger;
  /** The folioql schema unless given; tests pass one built without scope checks. */
  schema?: GraphQLSchema;
  /** Longest /healthz waits for the database before answering 503 (HEALTH_TIMEOUT_MS). */
  healthTimeoutMs?: number;
  /** CORS, GraphiQL and introspection; unless given: no CORS headers, GraphiQL and introspection on. */
  browser?: BrowserConfig;
  /** Requests a minute per client; unless given, none. */
  rateLimit?: RateLimitConfig;
  /** Subscription limits; unless given, the defaults. */
  live?: LiveConfig;
  /** RESPONSE_CACHE_TTL_MS; unless given, no response cache. */
  responseCacheTtlMs?: number;
}

const NO_CROSS_ORIGIN: BrowserConfig = {
  corsOrigins: [],
  graphiql: true,
  portfolioPage: true,
  introspection: true,
};
const NO_RATE_LIMIT: RateLimitConfig = { anonymousPerMinute: 0, tokenPerMinute: 0, trustProxyHops: 0 };

export function createApp({
  database,
  logger,
  authenticate,
  settings,
  limits,
  trustedDocuments,
  compiledExecution = true,
  metrics,
  requestLog,
  schema = folioqlSchema,
  healthTimeoutMs = DEFAULT_HEALTH_TIMEOUT_MS,
  browser = NO_CROSS_ORIGIN,
  rateLimit = NO_RATE_LIMIT,
  live = DEFAULT_LIVE,
  responseCacheTtlMs = 0,
}: AppOptions) {
  const observability = createObservability({ database, metrics, requestLog, graphqlPath: GRAPHQL_PATH });
  const viewerOf = viewerOnce(authenticate);
  // The one way to the database, for queries, mutations and subscription events alike.
  const withRoleTransaction = createRoleTransactions(database, settings);
  // This instance's one feed of committed changes; it listens from the first subscription on.
  const feed = new ChangeFeed({
    database,
    withRoleTransaction,
    logReaderRole: settings.anonymousRole,
    live,
    logger,
  });
  if (metrics) registerLiveMetrics(metrics, feed);
  // One count per client for HTTP requests and WebSocket operations alike.
  const countRequest = requestCounter(rateLimit, viewerOf);
  const shared = { withRoleTransaction, live: feed };
  // Read (or, run from source, bundled) on the first visit; the server warms it at start.
  // Not beside trusted documents: the page's reads are documents of its own, which the manifest does not hold.
  const pageAssets =
    browser.portfolioPage && !trustedDocuments ? pageAssetsOnce(() => loadPageAssets()) : undefined;
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: ({ request }) => createRequestContext(request, viewerOf, settings, shared),
    // Inlined GraphiQL: the page loads nothing from a CDN, so it works offline.
    // Its bundle is loaded on the first visit: a server nobody browses keeps
    // its ~70 MB out of memory.
    renderGraphiQL: async (options) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    // POST, so its subscriptions (SSE) pass the CSRF check, as its queries do.
    graphiql: browser.graphiql ? { title: 'folioql', defaultQuery: exampleQuery, method: 'POST' } : false,
    // Yoga's default reflects any Origin with credentials; this answers only CORS_ORIGINS.
    cors: corsOptionsFor(browser.corsOrigins),
    landingPage: false,
    // LIMIT_REQUEST_BYTES is applied by a plugin of the pipeline (request-body-limit.ts), more cheaply.
    maxRequestBodySize: false,
    maskedErrors: { maskError: createMaskError(observability) },
    logging: logWithErrorIds(logger),
    plugins: pipeline({
      database,
      logger,
      observability,
      limits,
      trustedDocuments,
      compiledExecution,
      browser,
      countRequest,
      readinessPath: READINESS_PATH,
      healthTimeoutMs,
      live: feed,
      responseCacheTtlMs,
      pageAssets,
    }),
  });
  // The feed is the app's too: the server stops it first, which ends every stream cleanly.
  // So is the rate limit, which the WebSocket server counts operations against.
  return Object.assign(yoga, { changeFeed: feed, countRequest, pageAssets });
}

export type App = ReturnType<typeof createApp>;
