/**
 * A PgBouncer of the test's own, in transaction mode, in front of one
 * database of an existing PostgreSQL server: for tests that run the server
 * behind a pooler, as production may.
 *
 * Binary: PGBOUNCER, or Debian's pgbouncer package (/usr/sbin/pgbouncer).
 * PgBouncer refuses to run as root, so as root (CI, containers) it is started
 * with `-u postgres` (it drops to that user once started), in a directory
 * handed to that user. It listens on 127.0.0.1 only, on a free port, with no
 * Unix socket, and trusts every client (auth_type = trust, user list in its
 * own auth_file); it reaches PostgreSQL with the user of the target URL.
 *
 *   const bouncer = await startPgBouncer(directUrl, { poolSize: 3, aliases: { single: 1 } });
 *   try { … bouncer.url … bouncer.urlOf('single') … await bouncer.admin('show servers') … }
 *   finally { await bouncer.destroy(); }
 *
 * destroy() stops PgBouncer and removes its directory; should a test process
 * exit without it, an exit hook does the same.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { freePort, isRoot, postgresUser } from './own-postgres.ts';

/** The pgbouncer binary, or undefined if none is installed. */
export function pgbouncerBinary(): string | undefined {
  const configured = process.env.PGBOUNCER?.trim();
  const candidates = configured
    ? [configured]
    : [
        '/usr/sbin/pgbouncer',
        '/usr/bin/pgbouncer',
        '/usr/local/bin/pgbouncer',
        ...(process.env.PATH ?? '')
          .split(':')
          .filter(Boolean)
          .map((dir) => path.join(dir, 'pgbouncer')),
      ];
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why startPgBouncer cannot work on this machine, or undefined if it can. */
export function pgbouncerUnavailableReason(): string | undefined {
  if (!pgbouncerBinary()) return "pgbouncer not found (install Debian's pgbouncer package, or set PGBOUNCER)";
  if (isRoot() && !postgresUser())
    return 'running as root, and there is no `postgres` OS user to run pgbouncer as';
  return undefined;
}

export interface PgBouncer {
  /** The target's URL with PgBouncer's host and port: the same database, pooled. */
  readonly url: string;
  /** The same database under an alias of `aliases`: a pool of its own, of the alias's size. */
  urlOf(alias: string): string;
  readonly port: number;
  /** Runs a command on PgBouncer's admin console (SHOW SERVERS, SHOW CLIENTS, SHOW POOLS, …). */
  admin(command: string): Promise<Record<string, unknown>[]>;
  /** PgBouncer's log so far, for failure messages. */
  log(): string;
  /** Stops PgBouncer (immediately) and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections per database and user (default_pool_size). */
  poolSize?: number;
  /**
   * More names for the same database, each a pool of its own with the given
   * number of server connections (PgBouncer's database name in SHOW SERVERS).
   */
  aliases?: Record<string, number>;
  /** More lines for the [pgbouncer] section. */
  settings?: Record<string, string>;
}

/** Starts PgBouncer in transaction mode in front of the database of `targetUrl`. */
export async function startPgBouncer(
  targetUrl: string,
  { poolSize = 2, aliases = {}, settings = {} }: PgBouncerOptions = {},
): Promise<PgBouncer> {
  const unavailable = pgbouncerUnavailableReason();
  if (unavailable) throw new Error(`Cannot start a PgBouncer of the test's own: ${unavailable}`);
  const binary = pgbouncerBinary()!;
  const owner = isRoot() ? postgresUser()! : undefined;

  const target = new URL(targetUrl);
  const database = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const user = decodeURIComponent(target.username) || 'postgres';
  const password = decodeURIComponent(target.password);

  const root = mkdtempSync(path.join(tmpdir(), 'folioql-pgbouncer-'));
  if (owner) chownSync(root, owner.uid, owner.gid);
  const configFile = path.join(root, 'pgbouncer.ini');
  const authFile = path.join(root, 'userlist.txt');
  const logFile = path.join(root, 'pgbouncer.log');
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  writeFileSync(authFile, `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  if (owner) chownSync(authFile, owner.uid, owner.gid);

  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let destroyed = false;
  let port = 0;

  const emergencyStop = () => {
    if (destroyed) return;
    destroyed = true;
    try {
      child?.kill('SIGTERM');
    } catch {
      // Best effort: the process is exiting.
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', emergencyStop);

  const connectionString = (db: string) => {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    url.pathname = `/${encodeURIComponent(db)}`;
    return url.toString();
  };

  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM: immediate shutdown (SIGINT would wait for clients to finish).
    child.kill('SIGTERM');
    await exited;
  };

  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      writeFileSync(
        configFile,
        [
          '[databases]',
          ...[
            [database, poolSize] as const,
            ...Object.entries(aliases).filter(([alias]) => alias !== database),
          ].map(
            ([name, size]) =>
              `${name} = host=${target.hostname} port=${target.port || '5432'} dbname=${database} user=${user} pool_size=${size}`,
          ),
          '',
          '[pgbouncer]',
          ...Object.entries({
            listen_addr: '127.0.0.1',
            listen_port: String(port),
            // No Unix socket: nothing else on the machine is touched.
            unix_socket_dir: '',
            auth_type: 'trust',
            auth_file: authFile,
            admin_users: user,
            pool_mode: 'transaction',
            default_pool_size: String(poolSize),
            max_client_conn: '200',
            logfile: logFile,
            ...settings,
          }).map(([name, value]) => `${name} = ${value}`),
          '',
        ].join('\n'),
      );
      if (owner) chownSync(configFile, owner.uid, owner.gid);

      const spawned = spawn(binary, owner ? ['-u', 'postgres', configFile] : [configFile], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      spawned.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child = spawned;
      exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
      spawned.once('error', (error) => (stderr += String(error)));

      const ready = await untilAccepting(connectionString('pgbouncer'), spawned);
      if (ready) break;
      await stop();
      const log = `${readLog()}\n${stderr}`;
      // Another process took the port between our look and PgBouncer's bind.
      if (attempt === 3 || !/bind|Address already in use/i.test(log)) {
        throw new Error(`PgBouncer did not start:\n${log.slice(-2000)}`);
      }
    }

    return {
      url: connectionString(database),
      urlOf(alias) {
        if (!(alias in aliases)) throw new Error(`PgBouncer has no alias ${alias}`);
        return connectionString(alias);
      },
      port,
      async admin(command) {
        // The admin console speaks the simple query protocol only, and has no pg_type.
        const sql = postgres(connectionString('pgbouncer'), {
          max: 1,
          fetch_types: false,
          onnotice: () => {},
        });
        try {
          return [...(await sql.unsafe(command).simple())] as Record<string, unknown>[];
        } finally {
          await sql.end({ timeout: 1 });
        }
      },
      log: readLog,
      async destroy() {
        if (destroyed) return;
        try {
          await stop();
        } finally {
          destroyed = true;
          process.off('exit', emergencyStop);
          rmSync(root, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    emergencyStop();
    process.off('exit', emergencyStop);
    throw error;
  }
}

/** Whether PgBouncer answers on its admin console before it exits or 30 s pass. */
async function untilAccepting(adminUrl: string, pgbouncer: ChildProcess): Promise<boolean> {
  const giveUp = Date.now() + 30_000;
  while (Date.now() < giveUp) {
    if (pgbouncer.exitCode !== null || pgbouncer.signalCode !== null) return false;
    const sql = postgres(adminUrl, { max: 1, fetch_types: false, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql.unsafe('show version').simple();
      return true;
    } catch {
      await sleep(50);
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  }
  return false;
}
