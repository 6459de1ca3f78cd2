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

/** The encoded forms `npm run build` writes beside each file (scripts/write-page.ts). */
export const ENCODED_SUFFIXES = { br: '.br', gzip: '.gz' } as const;

interface LoadedFile extends PageFile {
  br?: Uint8Array;
  gzip?: Uint8Array;
}

async function readBuiltPage(dir: string): Promise<LoadedFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const read = (file: string) => readFile(file).catch(() => undefined);
  return Promise.all(
    entries
      .filter((entry) => entry.isFile() && CONTENT_TYPES[path.extname(entry.name)])
      .map(async (entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return {
          path: path.relative(dir, file).split(path.sep).join('/'),
          contents: await readFile(file),
          br: await read(file + ENCODED_SUFFIXES.br),
          gzip: await read(file + ENCODED_SUFFIXES.gzip),
        };
      }),
  );
}

/** A file's brotli and gzip forms, made as small as they go: once, at build time or at start. */
export function encode(contents: Uint8Array): { br: Uint8Array; gzip: Uint8Array } {
  return {
    br: brotliCompressSync(contents, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    gzip: gzipSync(contents, { level: 9 }),
  };
}

/** Bundled now, for a server run from source (npm run dev, the tests); esbuild is a development dependency. */
async function bundleNow(builtDir: string): Promise<LoadedFile[]> {
  try {
    return await bundlePage();
  } catch (error) {
    throw new Error(
      `The live page is not built (no ${path.join(builtDir, BUILT_PAGE_MARK)}) and could not be bundled now: run npm run build, or set PORTFOLIO_PAGE=false`,
      { cause: error },
    );
  }
}

/** The page's files by the path they are served at ("/", "/assets/main-XXXX.js"). */
export async function loadPageAssets(builtDir = BUILT_PAGE_DIR): Promise<Map<string, PageAsset>> {
  const built = existsSync(path.join(builtDir, BUILT_PAGE_MARK));
  const files = built ? await readBuiltPage(builtDir) : await bundleNow(builtDir);
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
      ...(file.br && file.gzip ? { br: file.br, gzip: file.gzip } : encode(identity)),
    });
  }
  return assets;
}
