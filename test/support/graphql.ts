/**
 * Calls the real server in process, through `app.fetch`: the same HTTP
 * handling, context, plugins and error masking as production, with no port.
 */
import { createLogger } from 'graphql-yoga';
import type { DatabaseConnection } from '../../src/db/database.ts';
import { createApp, type App, type AppOptions } from '../../src/yoga.ts';
import { loadConfig } from '../../src/config.ts';
import { testAuthenticator } from './auth.ts';

export const TEST_SETTINGS = {
  producerRoles: ['api_data_producer'],
  anonymousRole: 'api_anon',
  maxBatchSize: 10_000,
  statementTimeoutMs: 5_000,
  operationTimeoutMs: 10_000,
  changesRetentionMs: 86_400_000,
};

export function createTestApp(database: DatabaseConnection, options: Partial<AppOptions> = {}): App {
  return createApp({
    database,
    logger: createLogger('silent'),
    authenticate: testAuthenticator(),
    settings: TEST_SETTINGS,
    limits: loadConfig({}).limits,
    ...options,
  });
}

export interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface GraphQLResult<Data> {
  status: number;
  headers: Headers;
  /** The response body as sent, for checks on the JSON text itself. */
  text: string;
  data?: Data | null;
  errors?: GraphQLErrorJson[];
}

// Tests read many result shapes, and each asserts the fields it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyData = any;

export function graphql<Data = AnyData>(
  app: App,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<Data>> {
  return graphqlAt(app.fetch as Fetch, 'http://folioql.test/graphql', query, variables, headers);
}

type Fetch = (url: string, init: RequestInit) => Promise<Response> | Response;

/** A GraphQL POST through any fetch: an app's own, or the global one to a real server's URL. */
export async function graphqlAt<Data = AnyData>(
  fetchFn: Fetch,
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<Data>> {
  const response = await fetchFn(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9',
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ...JSON.parse(text) };
}

/** The `extensions.code` and message of each error, for compact assertions. */
export function errorsOf(result: GraphQLResult<unknown>) {
  return (result.errors ?? []).map((error) => ({ code: error.extensions?.code, message: error.message }));
}
