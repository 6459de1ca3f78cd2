/**
 * Part of `npm run build` (build.mjs): writes dist/pglite-image/empty and
 * dist/pglite-image/demo, the migrated data directories a new embedded
 * database starts as a copy of (db/pglite-image.ts).
 */
import { writePgliteImage } from '../db/pglite-image.ts';

for (const kind of ['empty', 'demo'] as const) {
  console.error(`folioql: wrote ${await writePgliteImage(kind)}`);
}
