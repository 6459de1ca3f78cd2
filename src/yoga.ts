/**
 * The GraphQL server as a fetch handler, with no port: index.ts listens,
 * tests call `app.fetch(...)` directly.
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck, type YogaLogger } from 'graphql-yoga';
import { createRequestContext, type Context } from './context.ts';
import type { DatabaseConnection } from './db/database.ts';
import { logWithErrorIds, maskUnexpectedError } from './plugins/error-masking.ts';
import { useValueErrorLocations } from './plugins/value-error-locations.ts';
import { schema } from './schema/index.ts';

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
}

export function createApp({ database, logger }: AppOptions) {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: () => createRequestContext(database),
    // Inlined GraphiQL: the page loads nothing from a CDN, so it works offline.
    renderGraphiQL,
    graphiql: { title: 'folioql', defaultQuery: exampleQuery },
    landingPage: false,
    maskedErrors: { maskError: maskUnexpectedError },
    logging: logWithErrorIds(logger),
    plugins: [
      useValueErrorLocations(),
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
