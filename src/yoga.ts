/**
 * The GraphQL server as a fetch handler, with no port: index.ts listens,
 * tests call `app.fetch(...)` directly.
 */
import { createYoga, useReadinessCheck, type YogaLogger } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import type { Authenticate } from './auth/authenticate.ts';
import type { LimitsConfig } from './config.ts';
import { createRequestContext, type Context, type RequestSettings } from './context.ts';
import type { DatabaseConnection } from './db/database.ts';
import { logWithErrorIds, maskUnexpectedError } from './plugins/error-masking.ts';
import { useCompiledExecution } from './plugins/compiled-execution.ts';
import { useOperationLimits } from './plugins/operation-limits.ts';
import { useTrustedDocuments, type TrustedDocuments } from './plugins/trusted-documents.ts';
import { useOperationTransaction } from './plugins/operation-transaction.ts';
import { useValueErrorLocations } from './plugins/value-error-locations.ts';
import { schema as folioqlSchema } from './schema/index.ts';

export const GRAPHQL_PATH = '/graphql';
/** Readiness: 200 while the database answers, 503 while it does not. */
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
  /** The folioql schema unless given; tests pass one built without scope checks. */
  schema?: GraphQLSchema;
}

export function createApp({
  database,
  logger,
  authenticate,
  settings,
  limits,
  trustedDocuments,
  schema = folioqlSchema,
}: AppOptions) {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: ({ request }) => createRequestContext(request, authenticate, settings),
    // Inlined GraphiQL: the page loads nothing from a CDN, so it works offline.
    // Its bundle is loaded on the first visit: a server nobody browses keeps
    // its ~70 MB out of memory.
    renderGraphiQL: async (options) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    graphiql: { title: 'folioql', defaultQuery: exampleQuery },
    landingPage: false,
    maskedErrors: { maskError: maskUnexpectedError },
    logging: logWithErrorIds(logger),
    plugins: [
      trustedDocuments ? useTrustedDocuments(trustedDocuments) : {},
      useValueErrorLocations(),
      // Limits first: an operation over them is refused before its transaction begins.
      useOperationLimits(limits),
      // Before the transaction plugin, which runs whatever executor is set by then.
      useCompiledExecution(),
      useOperationTransaction(database, settings.statementTimeoutMs),
      useReadinessCheck({
        endpoint: READINESS_PATH,
        check: async ({ fetchAPI }) => {
          try {
            await database.ping();
            return fetchAPI.Response.json({ status: 'ok', database: database.driver });
          } catch (error) {
            // The reason goes to the server log, not into a public response.
            logger.warn('Readiness check failed: the database did not answer', error);
            return fetchAPI.Response.json(
              { status: 'unavailable', database: database.driver },
              { status: 503 },
            );
          }
        },
      }),
    ],
  });
}

export type App = ReturnType<typeof createApp>;
