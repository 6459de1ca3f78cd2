/**
 * Several instances of the server on one PostgreSQL database, as several
 * processes behind a load balancer would run: each with its own connection
 * pool, its own change feed and its own listening connection.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { openPostgres, type DatabaseConnection } from '../../src/db/database.ts';
import { LISTENER_APPLICATION_NAME } from '../../src/db/listener.ts';
import { DEFAULT_LIVE } from '../../src/config.ts';
import { graphqlAt } from './graphql.ts';
import { startLiveServer, type LiveAppServer } from './live-server.ts';

export interface Instance extends LiveAppServer {
  database: DatabaseConnection;
}

/**
 * One instance on the database at `url`: a pool of its own and a server on
 * a port of its own; its listening connection goes to `listenUrl` if given.
 * It never polls the change log (CHANGES_POLL_MS=0): what it delivers, it
 * learned from notifications and from catching up after reconnecting.
 */
export async function startInstance(url: string, listenUrl?: string): Promise<Instance> {
  const database = openPostgres({ url, listenUrl, poolMax: 4 });
  try {
    const server = await startLiveServer(database, { live: { ...DEFAULT_LIVE, pollMs: 0 } });
    return {
      ...server,
      database,
      close: async () => {
        try {
          await server.close();
        } finally {
          await database.close();
        }
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** A plain connection for what no instance does: looking at and ending other backends. */
export function adminOf(url: string): postgres.Sql {
  return postgres(url, { max: 1, onnotice: () => {} });
}

/** The backends listening for change notifications on the current database (every instance's). */
export async function listenerPids(admin: postgres.Sql): Promise<number[]> {
  const rows = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity
    where application_name = ${LISTENER_APPLICATION_NAME}
      and datname = current_database() and pid <> pg_backend_pid()
    order by pid`;
  return rows.map((row) => row.pid);
}

/** Ends every listening connection of the current database; returns the pids ended. */
export async function terminateListeners(admin: postgres.Sql): Promise<number[]> {
  const rows = await admin<{ pid: number; terminated: boolean }[]>`
    select pid, pg_terminate_backend(pid) as terminated from pg_stat_activity
    where application_name = ${LISTENER_APPLICATION_NAME}
      and datname = current_database() and pid <> pg_backend_pid()`;
  return rows.filter((row) => row.terminated).map((row) => row.pid);
}

/** Polls `check` every 20 ms until it holds, failing after `timeoutMs` with `what`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A GraphQL request over real HTTP to an instance's URL. */
export function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return graphqlAt(fetch, url, query, variables, headers);
}

export interface TcpGate {
  /** `url` with its host and port replaced by the gate's. */
  urlThrough(url: string): string;
  /** New connections wait, unanswered, until `release` (open ones are untouched). */
  hold(): void;
  /** Lets the waiting connections through, and new ones from now on. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A TCP pass-through on 127.0.0.1 to the host and port of `url`, which can
 * hold new connections: a database that, for a moment, takes no one new.
 */
export async function startTcpGate(url: string): Promise<TcpGate> {
  const target = new URL(url);
  const targetPort = Number(target.port || 5432);
  const sockets = new Set<Socket>();
  const waiting: (() => void)[] = [];
  let held = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    const pass = () => {
      if (client.destroyed) return;
      const upstream = connect(targetPort, target.hostname);
      track(upstream);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    };
    if (held) waiting.push(pass);
    else pass();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlThrough(original) {
      const through = new URL(original);
      through.host = `127.0.0.1:${port}`;
      return through.toString();
    },
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const pass of waiting.splice(0)) pass();
    },
    async close() {
      waiting.length = 0;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
