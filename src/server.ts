/**
 * Starting and stopping folioql: open the database, migrate, seed the demo
 * portfolio if asked, then serve until told to stop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type YogaLogger } from 'graphql-yoga';
import type { Config } from './config.ts';
import type { RequestSettings } from './context.ts';
import { setUpAuthentication } from './auth/setup.ts';
import { openDatabase } from './db/database.ts';
import { checkRoles } from './db/roles.ts';
import { seedDemoData } from './db/demo-data.ts';
import { runMigrations } from './db/migrate.ts';
import { readTrustedDocuments } from './plugins/trusted-documents.ts';
import { createApp, GRAPHQL_PATH } from './yoga.ts';

export interface RunningServer {
  url: string;
  logger: YogaLogger;
  /** Stops taking requests, lets those under way finish, then closes the database. */
  stop(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const { authenticate, notes } = setUpAuthentication(config.auth, {
    logKeyFailure: (message, error) => logger.error(message, error),
  });
  const database = await openDatabase(config);
  try {
    if (config.migrateOnStart) await runMigrations(database.db);
    await checkRoles(database.db, config.auth.allowedRoles);
    if (config.seedDemoData && (await seedDemoData(database.db))) {
      logger.info('Filled the empty database with the demo portfolio.');
    }
    for (const note of notes) logger.info(note);
    const app = createApp({
      database,
      logger,
      authenticate,
      limits: config.limits,
      trustedDocuments: config.persistedOperations
        ? readTrustedDocuments(config.persistedOperations)
        : undefined,
      settings: requestSettingsOf(config),
    });
    const server = createServer(app);
    await listen(server, config.port, config.host);
    const url = `http://${displayHost(server, config.host)}${GRAPHQL_PATH}`;
    return {
      url,
      logger,
      stop: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
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
    maxBatchSize: config.maxBatchSize,
    statementTimeoutMs: config.statementTimeoutMs,
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
