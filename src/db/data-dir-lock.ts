/**
 * An exclusive lock on the PGlite data directory.
 *
 * PGlite has no postmaster.pid of its own: two processes opening one
 * directory both succeed and silently lose each other's writes. Like
 * PostgreSQL, we keep a lock file beside the data naming its owner. A lock
 * whose owner has died (a crash, kill -9) is taken over, so a restart needs
 * no cleanup.
 *
 * Every step is atomic on a local file system: the lock appears complete
 * (written elsewhere, then hard-linked into place), and a stale lock is moved
 * aside by rename and checked, so two processes taking over the same stale
 * lock cannot both win.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  release(): void;
}

interface Owner {
  pid: number;
  /** When the process started (Linux clock ticks since boot): tells a reused pid from its first owner. */
  start?: string;
}

/** Locks held by this process, so a second open in-process is refused too. */
const heldLocks = new Set<string>();

/** Field 22 of /proc/<pid>/stat, the start time; undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is parenthesised and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive({ pid, start }: Owner, lockPath: string): boolean {
  // Our own pid is ours only if this process took the lock: in a container
  // the server is often the same pid again after a restart.
  if (pid === process.pid) return heldLocks.has(lockPath);
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const current = processStart(pid);
  return start === undefined || current === undefined || current === start;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const owner = JSON.parse(text) as Owner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

function lockedBy(dataDir: string, lockPath: string, owner: Owner | undefined): DataDirLockedError {
  return new DataDirLockedError(
    `The PGlite data directory ${dataDir} is in use by another folioql process ` +
      `(pid ${owner?.pid ?? 'unknown'}, lock file ${lockPath}). Stop that process, or point ` +
      'PGLITE_DATA_DIR at another directory. PGlite cannot share a directory between processes without losing writes.',
  );
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = `${dataDir}.lock`;
  const content = JSON.stringify({ pid: process.pid, start: processStart(process.pid) } satisfies Owner);

  for (let attempt = 0; attempt < 5; attempt++) {
    const draft = `${lockPath}.${randomUUID()}`;
    fs.writeFileSync(draft, content);
    try {
      // link() fails if the lock exists: creation is the atomic test-and-set,
      // and the file is complete from the moment it exists.
      fs.linkSync(draft, lockPath);
      heldLocks.add(lockPath);
      return {
        release() {
          if (!heldLocks.delete(lockPath)) return;
          if (readIfExists(lockPath) === content) fs.rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(draft, { force: true });
    }

    const seen = readIfExists(lockPath);
    if (seen === undefined) continue;
    const owner = parseOwner(seen);
    if (owner && isAlive(owner, lockPath)) throw lockedBy(dataDir, lockPath, owner);

    // The owner is gone: move its lock aside, and make sure it was that lock we moved.
    const moved = `${lockPath}.stale.${randomUUID()}`;
    try {
      fs.renameSync(lockPath, moved);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const movedContent = readIfExists(moved);
    if (movedContent !== seen) {
      // Another process took over first, and we moved its fresh lock: put it back.
      try {
        fs.linkSync(moved, lockPath);
      } finally {
        fs.rmSync(moved, { force: true });
      }
      throw lockedBy(dataDir, lockPath, movedContent ? parseOwner(movedContent) : undefined);
    }
    fs.rmSync(moved, { force: true });
  }
  throw new DataDirLockedError(`Could not take the lock ${lockPath}: other processes keep taking it`);
}
