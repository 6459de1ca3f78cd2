/**
 * Streams the records of a JSON Lines or CSV file with the line each starts
 * on, so a file of any size is read without holding it, and every problem
 * can be reported by line. A record that cannot be parsed is yielded as an
 * error and reading goes on; a file that cannot be read on (a wrong header,
 * a JSON array instead of JSON Lines, a quote never closed, a read error)
 * throws a FileError.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse as parseCsv, type Info } from 'csv-parse';
import { parse as parseJson } from 'lossless-json';
import { JsonNumber, type Cell } from './row-reader.ts';

export type FileFormat = 'jsonl' | 'csv';

/** The file cannot be read on; nothing more of it is sent. */
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

/** Longest CSV record: a quote left open would otherwise take in the rest of the file. */
const MAX_CSV_RECORD_BYTES = 1 << 20;

export function formatOf(path: string, requested?: string): FileFormat {
  if (requested === 'jsonl' || requested === 'csv') return requested;
  if (requested !== undefined) throw new FileError(`--format must be jsonl or csv, got "${requested}"`);
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (['.jsonl', '.ndjson', '.json'].includes(extension)) return 'jsonl';
  throw new FileError(`cannot tell the format of ${path} from its name; pass --format jsonl or --format csv`);
}

export async function* readRecords(path: string, options: ReadRecordsOptions): AsyncGenerator<FileRecord> {
  if (options.format === 'jsonl') await refuseJsonArray(path);
  const input = createReadStream(path);
  if (options.onBytes) input.on('data', (chunk) => options.onBytes?.(chunk.length));
  try {
    yield* options.format === 'csv' ? readCsv(input, options.checkHeader) : readJsonLines(input);
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError(`cannot read ${path}: ${(error as Error).message}`);
  } finally {
    input.destroy();
  }
}

/**
 * PostgREST's JSON is one array on one line: refuse it from its first byte,
 * rather than after reading the whole file as a line.
 */
async function refuseJsonArray(path: string): Promise<void> {
  const file = await open(path).catch((error: Error) => {
    throw new FileError(`cannot read ${path}: ${error.message}`);
  });
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(4096) });
    const start = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (start.startsWith('[')) {
      throw new FileError(
        'the file holds a JSON array; JSON Lines has one object per line (convert it with jq -c ".[]")',
      );
    }
  } finally {
    await file.close();
  }
}

async function* readJsonLines(input: NodeJS.ReadableStream): AsyncGenerator<FileRecord> {
  let line = 0;
  // readline does not pass on the stream's errors: keep the first, and stop.
  let readError: Error | undefined;
  input.on('error', (error: Error) => (readError ??= error));
  const lines = createInterface({ input, crlfDelay: Infinity });
  input.on('error', () => lines.close());
  for await (const text of lines) {
    line += 1;
    const trimmed = text.replace(/^\uFEFF/, '').trim();
    if (trimmed !== '') yield parseJsonLine(trimmed, line);
  }
  if (readError) throw readError;
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
  // csv-parse counts the line a record ends on; a record starts after the
  // previous one ended and any empty lines between them.
  let endLine = 0;
  let emptyLines = 0;
  const startLine = (info: Pick<Info, 'lines' | 'empty_lines'>) => {
    const line = endLine + 1 + (info.empty_lines - emptyLines);
    endLine = info.lines;
    emptyLines = info.empty_lines;
    return line;
  };
  let sawHeader = false;
  // A record with the wrong number of cells is reported like any bad row;
  // other CSV errors (quotes) leave no telling where the next record starts.
  const skipped: FileRecord[] = [];
  const parser = parseCsv({
    bom: true,
    columns: (header: string[]) => {
      sawHeader = true;
      endLine = 1;
      const columns = header.map((name) => name.trim());
      checkHeader?.(columns);
      return columns;
    },
    max_record_size: MAX_CSV_RECORD_BYTES,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: Record<string, string>, info) => ({ line: startLine(info), record }),
    on_skip: (error) => {
      if (!error) return undefined;
      const info = error as unknown as Info;
      const line = startLine(info);
      if (error.code !== 'CSV_RECORD_INCONSISTENT_COLUMNS') {
        throw new FileError(
          `line ${line} is not valid CSV, and nothing after it can be read: ${error.message}`,
        );
      }
      skipped.push({ line, error: `not valid CSV: ${error.message}` });
      return undefined;
    },
  });
  const parsing = pipeline(input, parser);
  // Its failure also ends the loop below, which reports it; this one is only awaited on success.
  parsing.catch(() => undefined);
  try {
    for await (const row of parser as AsyncIterable<{ line: number; record: Record<string, string> }>) {
      // Yield the skipped records that came before this one, in file order.
      while (skipped.length > 0 && skipped[0]!.line < row.line) yield skipped.shift()!;
      yield row;
    }
    await parsing;
    yield* skipped;
  } catch (error) {
    throw unwrap(error);
  }
  if (!sawHeader) throw new FileError('the CSV has no header row naming its columns');
}

/** The error behind csv-parse's wrapping of an error thrown in one of its callbacks. */
function unwrap(error: unknown): unknown {
  if (error instanceof FileError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof FileError) return cause;
  if (error instanceof CsvError) return new FileError(`not valid CSV: ${error.message}`);
  return error;
}
