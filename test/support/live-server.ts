/**
 * The server on a real port on 127.0.0.1, for clients that speak HTTP
 * themselves (the typed client, Apollo, urql, a browser, the push CLI).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DatabaseConnection } from '../../src/db/database.ts';
import type { App, AppOptions } from '../../src/yoga.ts';
import { DEFAULT_LIVE, loadConfig } from '../../src/config.ts';
import { serveWebSockets } from '../../src/live/websocket.ts';
import { createTestApp } from './graphql.ts';

export interface LiveServer {
  /** The GraphQL endpoint, http://127.0.0.1:<port>/graphql */
  url: string;
  close(): Promise<void>;
}

export interface LiveAppServer extends LiveServer {
  /** The same endpoint for graphql-ws: ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  app: App;
}

/** `port`: the port to listen on, as a restarted server takes its predecessor's; by default a free one. */
export async function startLiveServer(
  database: DatabaseConnection,
  options: Partial<AppOptions> = {},
  port = 0,
): Promise<LiveAppServer> {
  const app = createTestApp(database, options);
  const server = createServer(app);
  const webSockets = serveWebSockets(server, app, {
    live: options.live ?? DEFAULT_LIVE,
    maxMessageBytes: loadConfig({}).limits.requestBytes,
    trustedDocuments: options.trustedDocuments,
  });
  const listening = await listenOnLoopback(server, port);
  return {
    url: listening.url,
    wsUrl: listening.url.replace(/^http/, 'ws'),
    app,
    close: async () => {
      await app.changeFeed.stop();
      await webSockets.close();
      await listening.close();
      await app.dispose();
    },
  };
}

/** Listens on `port` (a free one by default) of 127.0.0.1; `close` cuts every connection and stops listening. */
export async function listenOnLoopback(server: Server, port = 0): Promise<LiveServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
