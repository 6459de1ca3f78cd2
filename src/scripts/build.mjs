/**
 * `npm run build`, and what `npm start` runs first: compiles the server to
 * dist/ (tsc, tsconfig.build.json), then makes the migrated PGlite image the
 * embedded first start loads (dist/pglite-image/), bundles the live page
 * (dist/page/), and stamps the build. Plain JavaScript, so it runs before anything is compiled.
 *
 * `--if-stale` builds only when dist/ is missing or older than what it is
 * built from (the sources, the migrations, the tsconfigs, the lockfile), so
 * `npm start` costs nothing extra after the first build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');
const inputs = ['src', 'drizzle', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The newest modification time under `target`, a file or a folder. */
function newest(target) {
  if (!existsSync(target)) return 0;
  const stats = statSync(target);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs;
  for (const entry of readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)));
  return latest;
}

export function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return inputs.some((input) => newest(path.join(root, input)) > built);
}

function run(command, args) {
  const result = spawnSync(process.execPath, [command, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`folioql: the build failed (${path.relative(root, command)} ${args.join(' ')})`);
  }
}

/**
 * Builds into a directory of its own, then puts it in place of dist/: a
 * server starting meanwhile, or another build racing this one, never sees a
 * half-written dist/.
 */
export function build() {
  const staging = path.join(root, `.dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const project of ['tsconfig.build.json', 'src/programs/client/tsconfig.json']) {
      run(path.join(root, 'node_modules/typescript/bin/tsc'), ['-p', project, '--outDir', staging]);
    }
    run(path.join(staging, 'scripts/write-pglite-image.js'), []);
    run(path.join(staging, 'scripts/write-page.js'), []);
    writeFileSync(path.join(staging, '.built'), `${new Date().toISOString()}\n`);
    rmSync(dist, { recursive: true, force: true });
    try {
      renameSync(staging, dist);
    } catch (error) {
      // Another build put its dist/ in place first: that one serves as well.
      if (!existsSync(path.join(dist, '.built'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds if `dist/` is missing or older than its sources (or always, with `force`), saying so on stderr. */
export function buildIfStale({ force = false, why = '' } = {}) {
  if (!force && !isStale()) return;
  const started = Date.now();
  console.error(`folioql: building dist/${why} …`);
  try {
    build();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  console.error(`folioql: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildIfStale({ force: !process.argv.includes('--if-stale') });
}
