/**
 * npm run config:readme: rewrites the README's configuration table from the
 * settings declaration in src/config.ts, then formats README.md with prettier.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { configTableRows } from '../config.ts';
import { renderConfigTable, replaceConfigTable } from '../config-readme.ts';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const readme = await readFile(readmePath, 'utf8');
const updated = replaceConfigTable(readme, renderConfigTable(configTableRows()));
const options = await prettier.resolveConfig(readmePath);
const formatted = await prettier.format(updated, { ...options, filepath: readmePath });
if (formatted === readme) {
  console.log('README.md: the configuration table was already up to date');
} else {
  await writeFile(readmePath, formatted);
  console.log('README.md: rewrote the configuration table');
}
