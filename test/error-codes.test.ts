/**
 * One error vocabulary: the README's Errors table lists exactly the codes of
 * ERROR_CODES (src/errors.ts), the codes the server answers with.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.ts';

/** The codes in the first column of the README's "### Errors" table. */
function readmeErrorCodes(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n### Errors\n');
  expect(start, 'README.md has a "### Errors" section').toBeGreaterThanOrEqual(0);
  // From the line after the heading to the next heading of any level.
  const rest = readme.slice(start + '\n### Errors\n'.length);
  const next = rest.search(/^#{1,6} /m);
  const section = next === -1 ? rest : rest.slice(0, next);
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1]!);
}

describe('error codes', () => {
  it('are each a key of ERROR_CODES with itself as value', () => {
    for (const [key, value] of Object.entries(ERROR_CODES)) expect(value).toBe(key);
  });

  it("are listed, each once, in the README's Errors table", () => {
    const listed = readmeErrorCodes();
    const codes = Object.keys(ERROR_CODES);
    const missing = codes.filter((code) => !listed.includes(code));
    const extra = listed.filter((code) => !codes.includes(code));
    const repeated = listed.filter((code, index) => listed.indexOf(code) !== index);
    expect({ missing, extra, repeated }, 'README Errors table vs ERROR_CODES in src/errors.ts').toEqual({
      missing: [],
      extra: [],
      repeated: [],
    });
  });
});
