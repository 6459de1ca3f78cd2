/**
 * `npm start`: builds dist/ when it is missing or stale (build.mjs), then
 * runs the compiled server in this same process, so signals reach it
 * directly. In production run `node dist/index.js` itself, after `npm run build`.
 */
import { build, isStale } from './build.mjs';

if (isStale()) {
  const started = Date.now();
  console.error('folioql: building dist/ (once, and again whenever the sources change) …');
  build();
  console.error(`folioql: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
await import('../../dist/index.js');
