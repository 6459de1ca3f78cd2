/**
 * The server on a real port on 127.0.0.1, for clients that speak HTTP
 * themselves (the typed client, Apollo, urql, a browser, the push CLI).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DatabaseConnection } from '../../src/db/database.ts';
import type { AppOptions } from '../../src/yoga.ts';
import { createTestApp } from './graphql.ts';

export interface LiveServer {
  /** The GraphQL endpoint, http://127.0.0.1:<port>/graphql */
  url: string;
  close(): Promise<void>;
}

export async function startLiveServer(
  database: DatabaseConnection,
  options: Partial<AppOptions> = {},
): Promise<LiveServer> {
  const app = createTestApp(database, options);
  const listening = await listenOnLoopback(createServer(app));
  return {
    url: listening.url,
    close: async () => {
      await listening.close();
      await app.dispose();
    },
  };
}

/** Listens on a free port of 127.0.0.1; `close` cuts every connection and stops listening. */
export async function listenOnLoopback(server: Server): Promise<LiveServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
