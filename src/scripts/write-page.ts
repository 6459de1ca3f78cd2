/**
 * Part of `npm run build` (build.mjs): bundles the live portfolio page into
 * dist/page/ (web/page-bundle.ts), which the compiled server serves at `/`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundlePage } from '../web/page-bundle.ts';
import { BUILT_PAGE_DIR } from '../web/page-assets.ts';

rmSync(BUILT_PAGE_DIR, { recursive: true, force: true });
for (const file of await bundlePage()) {
  const target = path.join(BUILT_PAGE_DIR, file.path);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, file.contents);
}
console.error(`folioql: wrote ${BUILT_PAGE_DIR}`);
