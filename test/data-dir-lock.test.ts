import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../src/db/data-dir-lock.ts';
import { openPglite } from '../src/db/database.ts';

let parent: string;
let dataDir: string;
beforeEach(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'folioql-lock-'));
  dataDir = path.join(parent, 'pglite');
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

/** The pid of a process that has exited, so is certainly not running. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the PGlite data directory lock', () => {
  it('refuses a second lock in the same process, naming the owner', () => {
    const lock = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dataDir)).toThrow(`in use by another folioql process (pid ${process.pid}`);
    lock.release();
    lockDataDir(dataDir).release();
  });

  it('refuses a lock held by another live process', () => {
    // The test runner's parent process is alive and is not this one.
    writeFileSync(`${dataDir}.lock`, `${process.ppid}\n`);
    expect(() => lockDataDir(dataDir)).toThrow(`pid ${process.ppid}`);
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes over the lock of a process that died', () => {
    writeFileSync(`${dataDir}.lock`, `${deadPid()}\n`);
    const lock = lockDataDir(dataDir);
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('takes over a lock with our own pid that this process never took (a restarted container)', () => {
    writeFileSync(`${dataDir}.lock`, `${process.pid}\n`);
    lockDataDir(dataDir).release();
  });

  it('stops a second PGlite before it touches the directory', async () => {
    writeFileSync(`${dataDir}.lock`, `${process.ppid}\n`);
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
