/**
 * Checking a file's rows with the API's own rules (the row readers), before
 * any is sent.
 */
import { FileError, type FileRecord } from './read-records.ts';
import { REJECTED_KEPT, type RejectedRow } from './result.ts';
import { RowError, type Cell, type RowReader } from './row-reader.ts';
import type { PushTarget } from './targets.ts';

export interface FileRow {
  line: number;
  input: Record<string, unknown>;
}

/**
 * The rows of the file that pass every check, in order; the others are
 * counted, and the first REJECTED_KEPT kept with their line and reason. A
 * key seen on an earlier line is refused: two versions of a row in one file
 * leave which should win to a guess. The keys seen are the only memory that
 * grows with the file (about 100 bytes a row).
 */
export class GoodRows implements AsyncIterable<FileRow> {
  read = 0;
  rejectedCount = 0;
  readonly rejected: RejectedRow[] = [];
  private readonly lineOfKey = new Map<string, number>();

  constructor(
    private readonly target: PushTarget,
    private readonly records: AsyncIterable<FileRecord>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<FileRow> {
    for await (const { line, record, error } of this.records) {
      this.read += 1;
      const row = error === undefined ? this.check(line, record) : this.reject(line, error);
      if (row) yield row;
    }
  }

  tally() {
    // CSV reports a malformed record a little after the rows that follow it.
    const rejected = [...this.rejected].sort((a, b) => a.line - b.line);
    return { rowsRead: this.read, rejectedCount: this.rejectedCount, rejected };
  }

  private check(line: number, record: Record<string, Cell>): FileRow | undefined {
    let input: Record<string, unknown>;
    try {
      input = this.target.reader.read(record);
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      return this.reject(line, error.message);
    }
    const key = this.target.reader.keyOf(input);
    const earlierLine = this.lineOfKey.get(key);
    if (earlierLine !== undefined) {
      return this.reject(
        line,
        `${this.target.describe(input)} is also on line ${earlierLine}; a file may hold each once`,
      );
    }
    this.lineOfKey.set(key, line);
    return { line, input };
  }

  private reject(line: number, reason: string): undefined {
    this.rejectedCount += 1;
    if (this.rejected.length < REJECTED_KEPT) this.rejected.push({ line, reason });
    return undefined;
  }
}

/**
 * A file's columns must be the SQL table's: none unknown, none twice, and
 * every one the upsert writes, since a column left out would blank it.
 */
export function checkHeader(columns: string[], reader: RowReader): void {
  const unknown = columns.filter((name) => !reader.columns.includes(name));
  const twice = columns.filter((name, index) => columns.indexOf(name) !== index);
  const missing = reader.expectedColumns.filter((name) => !columns.includes(name));
  const problems = [
    unknown.length > 0 ? `unknown columns ${unknown.join(', ')}` : '',
    twice.length > 0 ? `columns named twice ${twice.join(', ')}` : '',
    missing.length > 0 ? `missing columns ${missing.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new FileError(
      `${problems.join('; ')} in the CSV header; the columns are ${reader.columns.join(', ')}`,
    );
  }
}
