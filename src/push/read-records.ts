/**
 * Streams the records of a JSON Lines or CSV file with the line each came
 * from, so a file of any size is read in constant memory and every problem
 * can be reported by line. A record that cannot be parsed is yielded as an
 * error and reading goes on; a file that cannot be read at all (wrong
 * header, a JSON array instead of JSON Lines) throws a FileError.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseJson } from 'lossless-json';
import { JsonNumber, type Cell } from './row-reader.ts';

export type FileFormat = 'jsonl' | 'csv';

/** The file as a whole cannot be loaded; nothing from it is sent. */
export class FileError extends Error {
  override name = 'FileError';
}

export type FileRecord =
  | { line: number; record: Record<string, Cell>; error?: undefined }
  | { line: number; record?: undefined; error: string };

export interface ReadRecordsOptions {
  format: FileFormat;
  /** Called with the byte count of each chunk read, for progress. */
  onBytes?: (bytes: number) => void;
  /** Checks a CSV header; throws a FileError to refuse the file. */
  checkHeader?: (columns: string[]) => void;
}

export function formatOf(path: string, requested?: string): FileFormat {
  if (requested === 'jsonl' || requested === 'csv') return requested;
  if (requested !== undefined) throw new FileError(`--format must be jsonl or csv, got "${requested}"`);
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (['.jsonl', '.ndjson', '.json'].includes(extension)) return 'jsonl';
  throw new FileError(`cannot tell the format of ${path} from its name; pass --format jsonl or --format csv`);
}

export function readRecords(path: string, options: ReadRecordsOptions): AsyncGenerator<FileRecord> {
  const input = createReadStream(path);
  if (options.onBytes) input.on('data', (chunk) => options.onBytes?.(chunk.length));
  return options.format === 'csv' ? readCsv(input, options.checkHeader) : readJsonLines(input);
}

async function* readJsonLines(input: NodeJS.ReadableStream): AsyncGenerator<FileRecord> {
  let line = 0;
  let seenContent = false;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line += 1;
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (!seenContent && trimmed.startsWith('[')) {
      throw new FileError(
        'the file holds a JSON array; JSON Lines has one object per line (convert it with jq -c ".[]")',
      );
    }
    seenContent = true;
    yield parseJsonLine(trimmed, line);
  }
}

function parseJsonLine(text: string, line: number): FileRecord {
  let value: unknown;
  try {
    // Numbers keep the digits written in the file: a JavaScript number would round them.
    value = parseJson(text, null, (digits) => new JsonNumber(digits));
  } catch (error) {
    return { line, error: `not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line, error: 'each line must be one JSON object' };
  }
  return { line, record: value as Record<string, Cell> };
}

async function* readCsv(
  input: NodeJS.ReadableStream,
  checkHeader: ReadRecordsOptions['checkHeader'],
): AsyncGenerator<FileRecord> {
  // A record csv-parse cannot read (a stray quote, a wrong number of cells)
  // is skipped and reported, like any other bad row.
  const skipped: FileRecord[] = [];
  const parser = input.pipe(
    parseCsv({
      bom: true,
      columns: (header: string[]) => {
        const columns = header.map((name) => name.trim());
        checkHeader?.(columns);
        return columns;
      },
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (error) skipped.push({ line: Number(error.lines), error: `not valid CSV: ${error.message}` });
        return undefined;
      },
    }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      yield* skipped.splice(0);
      yield { line: info.lines, record };
    }
    yield* skipped.splice(0);
  } catch (error) {
    if (error instanceof FileError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof FileError) throw cause;
    throw new FileError(`cannot read the CSV: ${(error as Error).message}`);
  }
}
