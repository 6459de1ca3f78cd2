/**
 * The live portfolio page (src/page/) as the files folioql serves: esbuild
 * bundles its TypeScript and CSS (urql, graphql-ws, uPlot and our typed
 * client included) into one script and one style sheet named by their
 * hash, and index.html (from index.template.html) gets their names. Run at build time by
 * scripts/write-page.ts; a server run from source bundles in memory.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageFile {
  /** Where it is served, under the site root: "index.html", "assets/main-XXXX.js". */
  path: string;
  contents: Uint8Array;
}

/** The page's sources: src/page/, from src/web/ and from dist/web/ alike. */
export const PAGE_SOURCES = fileURLToPath(new URL('../../src/page/', import.meta.url));

export async function bundlePage(): Promise<PageFile[]> {
  // A development dependency: production servers read the files built by `npm run build`.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(PAGE_SOURCES, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    sourcemap: false,
    legalComments: 'none',
    write: false,
    outdir: 'out',
    entryNames: 'assets/[name]-[hash]',
    metafile: true,
    logLevel: 'silent',
    // graphql-js is large; urql's spec-equal printer and AST helpers serve the page's needs.
    alias: { graphql: '@0no-co/graphql.web' },
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const served = (file: { path: string }) =>
    path.relative(path.resolve('out'), file.path).split(path.sep).join('/');
  const files = result.outputFiles.map((file) => ({ path: served(file), contents: file.contents }));
  const script = files.find((file) => file.path.endsWith('.js'));
  const styles = files.find((file) => file.path.endsWith('.css'));
  if (!script || !styles) throw new Error('The page bundle has no script or no style sheet');
  const template = await readFile(path.join(PAGE_SOURCES, 'index.template.html'), 'utf8');
  const html = template.replace('/%STYLES%', `/${styles.path}`).replace('/%SCRIPT%', `/${script.path}`);
  return [{ path: 'index.html', contents: new TextEncoder().encode(html) }, ...files];
}
