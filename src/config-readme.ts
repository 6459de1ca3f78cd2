/**
 * The README's configuration table as markdown: written from the settings
 * declaration (`npm run config:readme`), and read back by the test that
 * keeps the two in step.
 */
import type { ConfigTableRow } from './config.ts';

/** The cells of one table row, as text. */
export interface TableCells {
  variables: string;
  default: string;
  meaning: string;
}

const HEADER = '| Variable | Default | Meaning |';
const SECTION = '## Configuration';

export function cellsOf(row: ConfigTableRow): TableCells {
  return {
    variables: row.variables.map((name) => `\`${name}\``).join(', '),
    default: row.default,
    meaning: row.meaning,
  };
}

/** The table, unaligned; prettier aligns it. */
export function renderConfigTable(rows: ConfigTableRow[]): string {
  const lines = [HEADER, '| --- | --- | --- |'];
  for (const row of rows) {
    const cells = cellsOf(row);
    lines.push(`| ${cells.variables} | ${cells.default} | ${cells.meaning} |`);
  }
  return lines.join('\n');
}

/** Where the configuration table is in the README: its lines from `start` up to, not including, `end`. */
function locate(lines: string[]): { start: number; end: number } {
  const section = lines.indexOf(SECTION);
  const start = lines.findIndex((line, index) => index > section && line.startsWith('| Variable'));
  if (section === -1 || start === -1) {
    throw new Error(`README.md has no "${SECTION}" section with a "| Variable | Default | Meaning |" table`);
  }
  let end = start;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  return { start, end };
}

export function replaceConfigTable(readme: string, table: string): string {
  const lines = readme.split('\n');
  const { start, end } = locate(lines);
  return [...lines.slice(0, start), table, ...lines.slice(end)].join('\n');
}

/** The README table's rows, header and rule left out. */
export function readConfigTable(readme: string): TableCells[] {
  const lines = readme.split('\n');
  const { start, end } = locate(lines);
  return lines.slice(start + 2, end).map((line) => {
    // Cells are split at unescaped pipes; none of ours has one.
    const [variables = '', defaultCell = '', meaning = ''] = line
      .replace(/^\|/, '')
      .replace(/\|\s*$/, '')
      .split(/(?<!\\)\|/);
    return { variables, default: defaultCell, meaning };
  });
}
