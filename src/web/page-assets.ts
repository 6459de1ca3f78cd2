/**
 * The live page's files in memory, ready to serve: each with its gzip and
 * brotli forms and an ETag, made once at start. A compiled server reads
 * what `npm run build` wrote to dist/page/; one run from source (npm run
 * dev, the tests) bundles src/page/ itself.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { bundlePage, type PageFile } from './page-bundle.ts';

/** Where the build puts the bundled page: dist/page/ beside dist/web/. */
export const BUILT_PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));
/** The file only a built page folder has (src/page/ holds the sources and index.template.html). */
export const BUILT_PAGE_MARK = 'index.html';

export interface PageAsset {
  contentType: string;
  /** Hashed names never change: cached for a year. index.html is revalidated. */
  immutable: boolean;
  etag: string;
  identity: Uint8Array;
  gzip: Uint8Array;
  br: Uint8Array;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

async function readBuiltPage(dir: string): Promise<PageFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return { path: path.relative(dir, file).split(path.sep).join('/'), contents: await readFile(file) };
      }),
  );
}

/** The page's files by the path they are served at ("/", "/assets/main-XXXX.js"). */
export async function loadPageAssets(builtDir = BUILT_PAGE_DIR): Promise<Map<string, PageAsset>> {
  const built = existsSync(path.join(builtDir, BUILT_PAGE_MARK));
  const files = built ? await readBuiltPage(builtDir) : await bundlePage();
  const assets = new Map<string, PageAsset>();
  for (const file of files) {
    const contentType = CONTENT_TYPES[path.extname(file.path)];
    if (!contentType) continue;
    const identity = file.contents;
    assets.set(file.path === 'index.html' ? '/' : `/${file.path}`, {
      contentType,
      immutable: file.path !== 'index.html',
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
      identity,
      gzip: gzipSync(identity, { level: 9 }),
      br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    });
  }
  return assets;
}
