/**
 * `npm start`: serve folioql until SIGINT or SIGTERM.
 */
import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { startServer } from './server.ts';

/** A stop that takes longer than this (a stuck request) ends the process anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

try {
  const config = loadConfig();
  const server = await startServer(config);
  const database = config.databaseUrl ? 'PostgreSQL' : `PGlite at ${config.pgliteDataDir}`;
  server.logger.info(`folioql is serving ${database}.`);
  if (server.pageUrl) server.logger.info(`Live portfolio page: ${server.pageUrl}`);
  server.logger.info(`GraphiQL: ${server.url}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.logger.warn(`${signal} again: exiting now.`);
      process.exit(1);
    }
    stopping = true;
    server.logger.info(`${signal}: finishing requests under way, then stopping.`);
    setTimeout(() => {
      server.logger.error(`Still stopping after ${SHUTDOWN_GRACE_MS / 1000} s: exiting now.`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error('Error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  // Problems a user can fix get their message alone; anything else, the stack too.
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(`folioql: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `folioql: ${(error as Error).message}. Stop what uses it, or set PORT (and HOST) to another address.`,
    );
  } else {
    console.error('folioql could not start:', error);
  }
  process.exit(1);
}
