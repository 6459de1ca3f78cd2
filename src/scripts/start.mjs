/**
 * `npm start`: builds dist/ when it is missing or stale (build.mjs), then
 * runs the compiled server in this same process, so signals reach it
 * directly. In production run `node dist/index.js` itself, after `npm run build`.
 */
import { buildIfStale } from './build.mjs';

buildIfStale({ why: ' (once, and again whenever the sources change)' });
await import('../../dist/index.js');
