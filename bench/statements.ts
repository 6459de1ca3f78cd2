/**
 * How many SQL statements one request costs: the request is run once by an
 * in-process folioql on the benchmark's database, with a logger that counts
 * every statement drizzle sends (a mutation's role setup included; BEGIN and
 * COMMIT are transaction control and not counted, nor is the role setup a
 * query's statements carry ahead of them in the same batch).
 */
import { createLogger } from 'graphql-yoga';
import { setUpAuthentication } from '../src/auth/setup.ts';
import { loadConfig } from '../src/config.ts';
import { openPostgres } from '../src/db/database.ts';
import { requestSettingsOf } from '../src/server.ts';
import { createApp } from '../src/yoga.ts';
import type { HttpRequest } from './workloads.ts';

export async function countStatements(url: string, request: HttpRequest, jwtSecret: string): Promise<number> {
  const config = loadConfig({ DATABASE_URL: url, JWT_SECRET: jwtSecret, NODE_ENV: 'production' });
  let statements = 0;
  const database = openPostgres({ url, poolMax: 1, logger: { logQuery: () => void statements++ } });
  const app = createApp({
    database,
    logger: createLogger('silent'),
    authenticate: setUpAuthentication(config.auth).authenticate,
    limits: config.limits,
    settings: requestSettingsOf(config),
  });
  try {
    const response = await app.fetch(`http://folioql.bench${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    const json = (await response.json()) as { errors?: unknown };
    if (json.errors)
      throw new Error(`Counting statements: the request failed: ${JSON.stringify(json.errors)}`);
    return statements;
  } finally {
    await app.dispose();
    await database.close();
  }
}
