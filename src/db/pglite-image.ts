/**
 * Migrated PGlite data directories made once at build time (`npm run build`
 * writes dist/pglite-image/empty and dist/pglite-image/demo, the latter with
 * the demo portfolio: see scripts/write-pglite-image.ts), which a new
 * embedded database starts as a copy of instead of running PGlite's initdb,
 * migrating and seeding: the embedded first start takes about two seconds
 * instead of five, and half the memory. Copying a directory is several
 * times faster than unpacking a tarball through PGlite's file system.
 *
 * An image belongs to the build that made it: its migrations are that
 * build's. A data directory that exists already is opened as it is, and
 * migrated on start like any other.
 */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the build puts the images: beside the compiled server (none beside the sources). */
export const PGLITE_IMAGES_DIR = fileURLToPath(new URL('../pglite-image', import.meta.url));

export type PgliteImage = 'empty' | 'demo';

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
