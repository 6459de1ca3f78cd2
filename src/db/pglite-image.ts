/**
 * Migrated PGlite data directories made once at build time (`npm run build`
 * writes dist/pglite-image/empty and dist/pglite-image/demo, the latter with
 * the demo portfolio), which a new embedded database starts as a copy of
 * instead of running PGlite's initdb, migrating and seeding: the embedded
 * first start takes about a second instead of five, and half the memory.
 * Copying a directory is several times faster than unpacking a tarball
 * through PGlite's file system. The tests start from a dump in memory
 * (`dumpMigratedDatabase`).
 *
 * An image belongs to the build that made it: its migrations are that
 * build's. A data directory that exists already is opened as it is, and
 * migrated on start like any other.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPglite } from './database.ts';
import { seedDemoData } from './demo-data.ts';
import { runMigrations } from './migrate.ts';

/** Where the build puts the images: beside the compiled server (none beside the sources). */
export const PGLITE_IMAGES_DIR = fileURLToPath(new URL('../pglite-image', import.meta.url));

export type PgliteImage = 'empty' | 'demo';

/** Writes the image `kind` into `imagesDir`, replacing any earlier one. */
export async function writePgliteImage(kind: PgliteImage, imagesDir = PGLITE_IMAGES_DIR): Promise<string> {
  const dataDir = path.join(imagesDir, kind);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(imagesDir, { recursive: true });
  const pglite = await openPglite({ dataDir, lockDir: false });
  try {
    await runMigrations(pglite.db);
    if (kind === 'demo') await seedDemoData(pglite.db);
  } finally {
    await pglite.close();
  }
  return dataDir;
}

/** The image a new data directory starts as, if the build made it. */
export function pgliteImage(kind: PgliteImage, imagesDir = PGLITE_IMAGES_DIR): string | undefined {
  const image = path.join(imagesDir, kind);
  return existsSync(path.join(image, 'PG_VERSION')) ? image : undefined;
}

/** Whether `dataDir` holds no database yet. */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/** Makes `dataDir` a copy of `image` if it holds nothing yet; true if it did. Called under the data-dir lock. */
export function startFromImage(dataDir: string, image: string | undefined): boolean {
  if (!image || !isNewDataDir(dataDir)) return false;
  cpSync(image, dataDir, { recursive: true });
  return true;
}

/** A migrated, empty database as a gzipped dump, to load into memory (the tests' template). */
export async function dumpMigratedDatabase(): Promise<Buffer> {
  const pglite = await openPglite({});
  try {
    await runMigrations(pglite.db);
    const client = (pglite.db as unknown as { $client: { dumpDataDir(format: 'gzip'): Promise<Blob> } })
      .$client;
    return Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await pglite.close();
  }
}
