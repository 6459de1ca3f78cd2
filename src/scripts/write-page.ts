/**
 * Part of `npm run build` (build.mjs): bundles the live portfolio page into
 * dist/page/ (web/page-bundle.ts), with each file's brotli and gzip forms,
 * which the compiled server serves at `/`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundlePage, PAGE_SOURCES } from '../web/page-bundle.ts';
import { BUILT_PAGE_DIR, encode, ENCODED_SUFFIXES } from '../web/page-assets.ts';

// Run from source, the built folder would be src/page/ itself: its sources, about to be deleted.
if (path.resolve(BUILT_PAGE_DIR) === path.resolve(PAGE_SOURCES)) {
  throw new Error('write-page writes dist/page/: run it compiled, through npm run build');
}
rmSync(BUILT_PAGE_DIR, { recursive: true, force: true });
for (const file of await bundlePage()) {
  const target = path.join(BUILT_PAGE_DIR, file.path);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, file.contents);
  // Compressed now, so that a starting server only reads them.
  const encoded = encode(file.contents);
  writeFileSync(target + ENCODED_SUFFIXES.br, encoded.br);
  writeFileSync(target + ENCODED_SUFFIXES.gzip, encoded.gzip);
}
console.error(`folioql: wrote ${BUILT_PAGE_DIR}`);
