import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../src/db/data-dir-lock.ts';
import { openPglite } from '../src/db/database.ts';

let parent: string;
let dataDir: string;
let lockPath: string;
beforeEach(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'folioql-lock-'));
  dataDir = path.join(parent, 'pglite');
  lockPath = `${dataDir}.lock`;
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

/** The pid of a process that has exited, so is certainly not running. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

const writeLock = (owner: object) => writeFileSync(lockPath, JSON.stringify(owner));
const ownerOfLock = () => JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number };

describe('the PGlite data directory lock', () => {
  it('refuses a second lock in the same process, naming the owner', () => {
    const lock = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dataDir)).toThrow(`in use by another folioql process (pid ${process.pid}`);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
    lockDataDir(dataDir).release();
  });

  it('refuses a lock held by another live process, and leaves it alone', () => {
    // The test runner's parent process is alive and is not this one.
    writeLock({ pid: process.ppid });
    expect(() => lockDataDir(dataDir)).toThrow(`pid ${process.ppid}`);
    expect(ownerOfLock()).toEqual({ pid: process.ppid });
  });

  it('takes over the lock of a process that died', () => {
    writeLock({ pid: deadPid() });
    const lock = lockDataDir(dataDir);
    expect(ownerOfLock().pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
    expect(readdirSync(parent)).toEqual(['pglite']);
  });

  it('takes over a lock whose pid now belongs to another process (a reused pid)', () => {
    writeLock({ pid: process.ppid, start: 'a start time that is not its own' });
    lockDataDir(dataDir).release();
  });

  it('takes over a lock with our own pid that this process never took (a restarted container)', () => {
    writeLock({ pid: process.pid });
    lockDataDir(dataDir).release();
  });

  it('lets exactly one of several processes racing for a stale lock take it', async () => {
    const tsx = path.resolve('node_modules/.bin/tsx');
    const lockModule = path.resolve('src/db/data-dir-lock.ts');
    const script = `
      import { lockDataDir } from ${JSON.stringify(lockModule)};
      try { lockDataDir(${JSON.stringify(dataDir)}); console.log('took'); setTimeout(() => {}, 1500); }
      catch (error) { console.log(error.name); }`;
    for (let round = 0; round < 3; round++) {
      writeLock({ pid: deadPid() });
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () => {
          const child = spawn(tsx, ['--eval', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
          return new Promise<string>((resolve) => child.once('exit', () => resolve(output.trim())));
        }),
      );
      expect(outcomes.filter((outcome) => outcome === 'took')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'DataDirLockedError')).toHaveLength(5);
      rmSync(lockPath, { force: true });
    }
  }, 60_000);

  it('stops a second PGlite before it touches the directory', async () => {
    writeLock({ pid: process.ppid });
    await expect(openPglite({ dataDir })).rejects.toThrow(DataDirLockedError);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('is released when the database closes', async () => {
    const database = await openPglite({ dataDir });
    await expect(openPglite({ dataDir })).rejects.toThrow(DataDirLockedError);
    await database.close();
    const again = await openPglite({ dataDir });
    await again.close();
  }, 60_000);
});
