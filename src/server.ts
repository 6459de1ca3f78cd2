/**
 * Starting and stopping folioql: open the database, migrate, seed the demo
 * portfolio if asked, then serve until told to stop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { YogaLogger } from 'graphql-yoga';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from './config.ts';
import type { RequestSettings } from './context.ts';
import { setUpAuthentication } from './auth/setup.ts';
import { openDatabase } from './db/database.ts';
import { isNewDataDir } from './db/pglite-image.ts';
import { checkRoles } from './db/roles.ts';
import { seedDemoData } from './db/demo-data.ts';
import { runMigrations } from './db/migrate.ts';
import { createJsonLogger, yogaLoggerOf } from './logger.ts';
import { startMetricsServer } from './metrics-server.ts';
import { readTrustedDocuments } from './plugins/trusted-documents.ts';
import { createApp, GRAPHQL_PATH } from './yoga.ts';
import { serveWebSockets } from './live/websocket.ts';

export interface RunningServer {
  /** The GraphQL endpoint, where browsers get GraphiQL. */
  url: string;
  /** The live portfolio page; none with PORTFOLIO_PAGE=false. */
  pageUrl?: string;
  /** The Prometheus endpoint, when METRICS_PORT is set. */
  metricsUrl?: string;
  logger: YogaLogger;
  /** Stops taking requests, lets those under way finish, then closes the database. */
  stop(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  // JSON lines on stdout; the rest of the code logs through yoga's interface.
  const log = createJsonLogger(config.logLevel);
  const logger = yogaLoggerOf(log);
  const { authenticate, notes } = setUpAuthentication(config.auth, {
    logKeyFailure: (message, error) => logger.error(message, error),
  });
  // A new embedded database starts as a copy of the build's image, demo portfolio included.
  const newEmbedded = !config.databaseUrl && isNewDataDir(config.pgliteDataDir);
  const database = await openDatabase(config);
  try {
    if (config.migrateOnStart) await runMigrations(database.db);
    await checkRoles(database.db, config.auth.allowedRoles, config.auth.producerRoles);
    if (config.seedDemoData && ((await seedDemoData(database.db)) || newEmbedded)) {
      logger.info('Filled the empty database with the demo portfolio.');
    }
    for (const note of notes) logger.info(note);
    // One registry for this server, served on its own port; none without METRICS_PORT.
    const metrics = config.metricsPort === undefined ? undefined : new Registry();
    if (metrics) collectDefaultMetrics({ register: metrics });
    const trustedDocuments = config.persistedOperations
      ? readTrustedDocuments(config.persistedOperations)
      : undefined;
    const app = createApp({
      database,
      logger,
      metrics,
      requestLog: log,
      authenticate,
      limits: config.limits,
      browser: config.browser,
      rateLimit: config.rateLimit,
      compiledExecution: config.compiledExecution,
      trustedDocuments,
      settings: requestSettingsOf(config),
      healthTimeoutMs: config.healthTimeoutMs,
      live: config.live,
      responseCacheTtlMs: config.responseCacheTtlMs,
    });
    // The page's files are ready before the first visitor asks (a failed bundle stops the start).
    await app.pageAssets?.();
    const server = createServer(app);
    const webSockets = serveWebSockets(server, app, {
      live: config.live,
      maxMessageBytes: config.limits.requestBytes,
      trustedDocuments,
    });
    const metricsServer =
      metrics && config.metricsPort !== undefined
        ? await startMetricsServer(metrics, config.metricsPort, config.metricsHost, logger.error)
        : undefined;
    try {
      await listen(server, config.port, config.host);
    } catch (error) {
      await metricsServer?.close();
      throw error;
    }
    const origin = `http://${displayHost(server, config.host)}`;
    if (metricsServer) logger.info(`Prometheus metrics: ${metricsServer.url}`);
    return {
      url: `${origin}${GRAPHQL_PATH}`,
      pageUrl: app.pageAssets ? `${origin}/` : undefined,
      metricsUrl: metricsServer?.url,
      logger,
      stop: async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Streams hold their connections open: each is ended with
        // SERVER_STOPPING (clients resume elsewhere with their cursor), and
        // WebSockets are closed, before the server waits for requests under way.
        await app.changeFeed.stop();
        await webSockets.close();
        await closed;
        await metricsServer?.close();
        await app.dispose();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** What every request's context carries from the configuration. */
export function requestSettingsOf(config: Config): RequestSettings {
  return {
    producerRoles: config.auth.producerRoles,
    anonymousRole: config.auth.anonymousRole,
    maxBatchSize: config.maxBatchSize,
    statementTimeoutMs: config.statementTimeoutMs,
    operationTimeoutMs: config.operationTimeoutMs,
    changesRetentionMs: config.live.retentionMs,
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** "localhost" for loopback and wildcard addresses: the URL a person on this machine opens. */
function displayHost(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  const local = ['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host);
  const name = local ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `${name}:${port}`;
}
