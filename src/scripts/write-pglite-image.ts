/**
 * Part of `npm run build` (build.mjs): writes dist/pglite-image/empty and
 * dist/pglite-image/demo, the migrated data directories a new embedded
 * database starts as a copy of (db/pglite-image.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openPglite } from '../db/database.ts';
import { seedDemoData } from '../db/demo-data.ts';
import { runMigrations } from '../db/migrate.ts';
import { PGLITE_IMAGES_DIR, type PgliteImage } from '../db/pglite-image.ts';

async function writePgliteImage(kind: PgliteImage): Promise<string> {
  const dataDir = path.join(PGLITE_IMAGES_DIR, kind);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(PGLITE_IMAGES_DIR, { recursive: true });
  const pglite = await openPglite({ dataDir, lockDir: false });
  try {
    await runMigrations(pglite.db);
    if (kind === 'demo') await seedDemoData(pglite.db);
  } finally {
    await pglite.close();
  }
  return dataDir;
}

for (const kind of ['empty', 'demo'] as const) {
  console.error(`folioql: wrote ${await writePgliteImage(kind)}`);
}
