/**
 * A throwaway PostgreSQL server of the test's own, for tests that stop,
 * crash, freeze or reconfigure the server (which the shared server of
 * TEST_DATABASE_URL must never be): a new cluster (initdb) in a temporary
 * directory, trust authentication, listening on 127.0.0.1 only, on a free
 * port.
 *
 * Binaries: POSTGRES_BIN_DIR, or the newest /usr/lib/postgresql/<version>/bin
 * (Debian's postgresql package). initdb and the server refuse to run as root,
 * so as root (CI, containers) they run as the `postgres` OS user via
 * runuser, in a directory handed to that user.
 *
 *   const server = await startOwnPostgres();
 *   try { … server.url … await server.stop(); … await server.start(); }
 *   finally { await server.destroy(); }
 *
 * destroy() stops the server and removes the directory; should a test
 * process exit without it, an exit hook does the same.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The directory of initdb, pg_ctl and postgres, or undefined if none is installed. */
export function postgresBinDir(): string | undefined {
  const configured = process.env.POSTGRES_BIN_DIR?.trim();
  if (configured) return existsSync(path.join(configured, 'initdb')) ? configured : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(path.join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

/** Why startOwnPostgres cannot work on this machine, or undefined if it can. */
export function ownPostgresUnavailableReason(): string | undefined {
  if (!postgresBinDir()) {
    return "initdb not found (install Debian's postgresql package, or set POSTGRES_BIN_DIR)";
  }
  if (isRoot() && !postgresUser())
    return 'running as root, and there is no `postgres` OS user to run initdb as';
  return undefined;
}

export type StopMode = 'smart' | 'fast' | 'immediate';

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string;
  /** Stops the server: `fast` ends sessions cleanly, `immediate` is a crash (recovery on the next start). */
  stop(mode?: StopMode): Promise<void>;
  /** Starts the stopped server again, same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /**
   * Freezes every process of the server (SIGSTOP), as a hung host or a
   * network partition looks to clients: connections open at the TCP level
   * and queries are sent, but nothing ever answers. Linux only.
   */
  freeze(): void;
  /** Lets a frozen server run on (SIGCONT). */
  thaw(): void;
  /** The server's log so far, for failure messages. */
  log(): string;
  /** Stops the server (immediately) if it runs and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface OwnPostgresOptions {
  /** Lines for postgresql.conf, e.g. { max_connections: '20' }. */
  settings?: Record<string, string>;
}

export async function startOwnPostgres({ settings = {} }: OwnPostgresOptions = {}): Promise<OwnPostgres> {
  const unavailable = ownPostgresUnavailableReason();
  if (unavailable) throw new Error(`Cannot start a PostgreSQL server of the test's own: ${unavailable}`);
  const bin = postgresBinDir()!;
  const owner = isRoot() ? postgresUser()! : undefined;

  const root = mkdtempSync(path.join(tmpdir(), 'folioql-own-postgres-'));
  if (owner) chownSync(root, owner.uid, owner.gid);
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');

  /** Runs a PostgreSQL binary as the user the server belongs to. */
  const pg = (program: string, args: string[]) => {
    const command = path.join(bin, program);
    return owner
      ? run('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: root })
      : run(command, args, { cwd: root });
  };
  const pgSync = (program: string, args: string[]) => {
    const command = path.join(bin, program);
    execFileSync(owner ? 'runuser' : command, owner ? ['-u', 'postgres', '--', command, ...args] : args, {
      cwd: root,
      stdio: 'ignore',
      timeout: 30_000,
    });
  };

  let running = false;
  let frozen = false;
  let destroyed = false;

  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const pgCtl = async (args: string[]) => {
    try {
      await pg('pg_ctl', ['-D', dataDir, '-l', logFile, ...args]);
    } catch (error) {
      throw new Error(
        `pg_ctl ${args.join(' ')} failed: ${(error as Error).message}\n${readLog().slice(-2000)}`,
      );
    }
  };

  /** Sends `signal` to the postmaster and every process it started. */
  const signalAll = (signal: NodeJS.Signals) => {
    const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // The postmaster first when stopping, so it starts no process that would escape.
    const pids = [postmaster, ...childrenOf(postmaster)];
    for (const pid of signal === 'SIGCONT' ? pids.reverse() : pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // A process that just ended.
      }
    }
  };

  const emergencyStop = () => {
    if (destroyed) return;
    destroyed = true;
    try {
      if (frozen) signalAll('SIGCONT');
      if (running) pgSync('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Best effort: the process is exiting.
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', emergencyStop);

  try {
    await pg('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      // A test cluster: a crash of the machine may lose it.
      '--no-sync',
      '--no-instructions',
    ]);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      appendFileSync(
        path.join(dataDir, 'postgresql.conf'),
        Object.entries({
          listen_addresses: "'127.0.0.1'",
          port: String(port),
          // The socket in our own directory: nothing else on the machine is touched.
          unix_socket_directories: `'${root}'`,
          ...settings,
        })
          .map(([name, value]) => `${name} = ${value}\n`)
          .join(''),
      );
      try {
        await pgCtl(['-w', '-t', '30', 'start']);
        break;
      } catch (error) {
        // Another process took the port between our look and the server's bind.
        if (attempt === 3 || !/could not bind|Address already in use/i.test(readLog())) throw error;
      }
    }
    running = true;

    const server: OwnPostgres = {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      async stop(mode = 'fast') {
        if (frozen) server.thaw();
        await pgCtl(['-m', mode, '-w', 'stop']);
        running = false;
      },
      async start() {
        await pgCtl(['-w', '-t', '30', 'start']);
        running = true;
      },
      freeze() {
        if (!running) throw new Error('the server is not running');
        signalAll('SIGSTOP');
        frozen = true;
      },
      thaw() {
        if (!frozen) return;
        signalAll('SIGCONT');
        frozen = false;
      },
      log: readLog,
      async destroy() {
        if (destroyed) return;
        try {
          if (frozen) server.thaw();
          if (running) await pgCtl(['-m', 'immediate', '-w', 'stop']);
          running = false;
        } finally {
          destroyed = true;
          process.off('exit', emergencyStop);
          rmSync(root, { recursive: true, force: true });
        }
      },
    };
    return server;
  } catch (error) {
    emergencyStop();
    process.off('exit', emergencyStop);
    throw error;
  }
}

/** Whether this process runs as root (servers refuse to, and are started as postgres). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The uid and gid of the postgres user, if there is one. */
export function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

/** The processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return children;
}

/** A TCP port of 127.0.0.1 free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
