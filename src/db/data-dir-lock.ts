/**
 * An exclusive lock on the PGlite data directory.
 *
 * PGlite has no postmaster.pid: two processes opening one directory both
 * succeed and silently lose each other's writes. Like PostgreSQL, we keep a
 * lock file holding the owner's pid next to the data. A lock whose process
 * has died (a crash, kill -9) is taken over, so a restart needs no cleanup.
 */
import fs from 'node:fs';

/** Locks held by this process, so a second open in-process is refused too. */
const heldLocks = new Set<string>();

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  release(): void;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwnerPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when the lock file names a process that still holds it. */
function isLockLive(lockPath: string): { live: boolean; pid?: number } {
  const pid = readOwnerPid(lockPath);
  if (pid === undefined) return { live: false };
  // Our own pid in the file is stale unless this process took the lock: in a
  // container the server is often pid 1 again after a restart.
  if (pid === process.pid) return { live: heldLocks.has(lockPath), pid };
  return { live: isProcessAlive(pid), pid };
}

export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = `${dataDir}.lock`;

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // 'wx' fails if the file exists: creation is the atomic test-and-set.
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      heldLocks.add(lockPath);
      return {
        release() {
          if (!heldLocks.delete(lockPath)) return;
          fs.rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = isLockLive(lockPath);
      if (owner.live) {
        throw new DataDirLockedError(
          `The PGlite data directory ${dataDir} is in use by another folioql process ` +
            `(pid ${owner.pid}, lock file ${lockPath}). Stop that process, or point ` +
            'PGLITE_DATA_DIR at another directory. PGlite cannot share a directory ' +
            'between processes without losing writes.',
        );
      }
      // The owner is gone: remove its lock and try once more.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not take the lock ${lockPath}: another process keeps taking it`);
}
