/**
 * Loads a file of trades or history points through the GraphQL API, as a
 * producer: every row is checked before it is sent, good rows go up in
 * batches of upserts, and bad rows are reported by line. Upserts make a
 * re-run of the same file change nothing, and make a retried batch safe.
 *
 * With `strict`, the whole file is checked first and nothing is sent if any
 * row is bad. Each batch is its own transaction on the server, so a failure
 * the checks cannot foresee (the server going away mid-file) stops the push
 * with the batches before it loaded; running the file again finishes the job.
 */
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createFolioqlClient,
  FolioqlError,
  upsertPortfolioHistoryMutation,
  upsertTradesMutation,
  viewerQuery,
  type FolioqlClient,
  type PortfolioHistoryInput,
  type TradeInput,
} from '../client/index.ts';
import { portfolioHistory, trades } from '../db/schema.ts';
import { TRADE_TEXT_MAX } from '../input-values.ts';
import { createProgress, type Progress } from './progress.ts';
import { FileError, formatOf, readRecords, type FileFormat } from './read-records.ts';
import { RowError, rowReaderFor, type RowReader } from './row-reader.ts';

export interface UpsertCounts {
  insertedCount: number;
  updatedCount: number;
  unchangedCount: number;
}

interface PushTarget {
  reader: RowReader;
  /** Names a row by its upsert key, for messages. */
  describe(input: Record<string, unknown>): string;
  upsert(client: FolioqlClient, inputs: Record<string, unknown>[]): Promise<UpsertCounts>;
}

export const pushTargets = {
  trades: {
    reader: rowReaderFor(trades, { key: ['id'], textMax: TRADE_TEXT_MAX }),
    describe: (input) => `the trade "${String(input.id)}"`,
    upsert: async (client, inputs) =>
      (await client.request(upsertTradesMutation, { trades: inputs as TradeInput[] })).upsertTrades,
  },
  history: {
    reader: rowReaderFor(portfolioHistory, { key: ['market', 'interval', 'timestamp'] }),
    describe: (input) =>
      `the ${String(input.market)} ${String(input.interval)} point at ${String(input.timestamp)}`,
    upsert: async (client, inputs) =>
      (await client.request(upsertPortfolioHistoryMutation, { points: inputs as PortfolioHistoryInput[] }))
        .upsertPortfolioHistory,
  },
} satisfies Record<string, PushTarget>;

export type PushTargetName = keyof typeof pushTargets;

export const DEFAULT_BATCH_SIZE = 1000;
/** How long one batch may take before it is given up and retried. */
const REQUEST_TIMEOUT_MS = 120_000;
/** Waits before each retry of a batch that failed on the way (network, gateway). */
const RETRY_DELAYS_MS = [500, 1000, 2000];

export interface PushOptions {
  target: PushTargetName;
  path: string;
  /** jsonl or csv; by default from the file's extension. */
  format?: string;
  /** The GraphQL endpoint. */
  url: string;
  /** A producer's bearer token. */
  token?: string;
  /** Send nothing if any row is bad. */
  strict?: boolean;
  /** Check every row, send nothing. */
  dryRun?: boolean;
  batchSize?: number;
  /** Where progress goes: a bar on a terminal, plain lines otherwise; none if left out. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  fetch?: typeof fetch;
}

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface PushResult {
  /** Rows in the file, good and bad. */
  rowsRead: number;
  /** Rows the server took; the counts say what each did. */
  rowsSent: number;
  counts: UpsertCounts;
  /** Bad rows, in file order. */
  rejected: RejectedRow[];
  /** False after a dry run, or a strict run that found bad rows. */
  sent: boolean;
}

/** The push could not start, or could not go on. `result` tells what was done before. */
export class PushError extends Error {
  override name = 'PushError';
  constructor(
    message: string,
    readonly result?: PushResult,
  ) {
    super(message);
  }
}

interface FileRow {
  line: number;
  input: Record<string, unknown>;
}

export async function pushFile(options: PushOptions): Promise<PushResult> {
  const target = pushTargets[options.target];
  const format = formatOf(options.path, options.format);
  const fileBytes = await sizeOf(options.path);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const client = options.dryRun ? undefined : await connect(options);

  const progressFor = (verb: string) =>
    options.progressStream && createProgress({ stream: options.progressStream, fileBytes, verb });
  const rowsOf = (progress: Progress | undefined) =>
    goodRows(target, options.path, format, (bytes) => progress?.read(bytes));

  // A dry run only checks; a strict one checks the whole file before it sends.
  if (!client || options.strict) {
    const progress = progressFor('checked');
    const rows = rowsOf(progress);
    for await (const _row of rows) progress?.rowsDone(rows.rowsRead());
    progress?.rowsDone(rows.rowsRead());
    progress?.stop();
    if (!client || rows.rejected.length > 0) {
      return {
        rowsRead: rows.rowsRead(),
        rowsSent: 0,
        counts: noCounts(),
        rejected: rows.rejected,
        sent: false,
      };
    }
  }
  const progress = progressFor('sent');
  const rows = rowsOf(progress);
  const sender = new BatchSender(target, client, progress);
  try {
    for await (const row of rows) {
      sender.add(row);
      if (sender.pending.length >= batchSize) await sender.flush();
    }
    await sender.flush();
  } catch (error) {
    if (error instanceof PushError) {
      throw new PushError(error.message, sender.result(rows.rowsRead(), rows.rejected));
    }
    throw error;
  } finally {
    progress?.stop();
  }
  return sender.result(rows.rowsRead(), rows.rejected);
}

async function sizeOf(path: string): Promise<number> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new FileError(`${path} is not a file`);
    return stats.size;
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * A client for the endpoint, after asking the server who the token is: a
 * wrong URL or a reader's token fails here, before the file is read. A
 * server that takes only trusted documents gets hashes instead.
 */
async function connect({ url, token, fetch }: PushOptions): Promise<FolioqlClient> {
  let client = createFolioqlClient({ url, token, fetch, timeoutMs: REQUEST_TIMEOUT_MS });
  let viewer;
  try {
    viewer = await withRetries(() => client.request(viewerQuery));
  } catch (error) {
    if (!(error instanceof FolioqlError && error.code === 'PERSISTED_QUERY_ONLY')) {
      throw new PushError(`cannot use ${url}: ${describeFailure(error)}`);
    }
    client = createFolioqlClient({ url, token, fetch, timeoutMs: REQUEST_TIMEOUT_MS, persisted: true });
    viewer = await withRetries(() => client.request(viewerQuery)).catch((retryError: unknown) => {
      throw new PushError(`cannot use ${url}: ${describeFailure(retryError)}`);
    });
  }
  if (!viewer.viewer.isProducer) {
    throw new PushError(
      token
        ? `the token's role is ${viewer.viewer.role}; pushing needs a producer token`
        : 'pushing needs a producer token: pass --token or set FOLIOQL_TOKEN',
    );
  }
  return client;
}

interface GoodRows extends AsyncIterable<FileRow> {
  /** The bad rows met so far. */
  rejected: RejectedRow[];
  /** Rows met so far, good and bad. */
  rowsRead(): number;
}

/**
 * The rows of the file that pass every check, in order; the others are
 * collected in `rejected` with their line and reason. A key seen on an
 * earlier line is refused: two versions of a row in one file leave which
 * should win to a guess.
 */
function goodRows(
  target: PushTarget,
  path: string,
  format: FileFormat,
  onBytes: (bytes: number) => void,
): GoodRows {
  const rejected: RejectedRow[] = [];
  const lineOfKey = new Map<string, number>();
  let rowsRead = 0;
  const records = readRecords(path, {
    format,
    onBytes,
    checkHeader: (columns) => checkHeader(columns, target.reader),
  });

  async function* rows(): AsyncGenerator<FileRow> {
    for await (const { line, record, error } of records) {
      rowsRead += 1;
      if (error !== undefined) {
        rejected.push({ line, reason: error });
        continue;
      }
      let input: Record<string, unknown>;
      try {
        input = target.reader.read(record);
      } catch (readError) {
        if (!(readError instanceof RowError)) throw readError;
        rejected.push({ line, reason: readError.message });
        continue;
      }
      const key = target.reader.keyOf(input);
      const earlierLine = lineOfKey.get(key);
      if (earlierLine !== undefined) {
        rejected.push({
          line,
          reason: `${target.describe(input)} is also on line ${earlierLine}; a file may hold each once`,
        });
        continue;
      }
      lineOfKey.set(key, line);
      yield { line, input };
    }
  }

  const iterator = rows();
  return { rejected, rowsRead: () => rowsRead, [Symbol.asyncIterator]: () => iterator };
}

/** A CSV must name its columns as the SQL table does, and have every required one. */
function checkHeader(columns: string[], reader: RowReader): void {
  const unknown = columns.filter((name) => !reader.columns.includes(name));
  const missing = reader.requiredColumns.filter((name) => !columns.includes(name));
  if (unknown.length > 0 || missing.length > 0) {
    throw new FileError(
      [
        unknown.length > 0 ? `unknown columns ${unknown.join(', ')}` : '',
        missing.length > 0 ? `missing columns ${missing.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ') + ` in the CSV header; the columns are ${reader.columns.join(', ')}`,
    );
  }
}

/** Sends rows in batches and adds up what the server did with them. */
class BatchSender {
  pending: FileRow[] = [];
  private readonly counts = noCounts();
  private rowsSent = 0;

  constructor(
    private readonly target: PushTarget,
    private readonly client: FolioqlClient,
    private readonly progress: Progress | undefined,
  ) {}

  add(row: FileRow) {
    this.pending.push(row);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) await this.send(batch);
  }

  /**
   * Sends one batch, which the server takes whole or not at all. The rows
   * passed the server's own checks here, so a refusal means the server
   * differs (another version, a smaller MAX_BATCH_SIZE): the push stops.
   */
  private async send(batch: FileRow[]): Promise<void> {
    let counts: UpsertCounts;
    try {
      counts = await withRetries(() =>
        this.target.upsert(
          this.client,
          batch.map((row) => row.input),
        ),
      );
    } catch (error) {
      const lines = `lines ${batch[0]?.line}–${batch.at(-1)?.line}`;
      throw new PushError(`the server refused the batch of ${lines}: ${describeFailure(error)}`);
    }
    this.counts.insertedCount += counts.insertedCount;
    this.counts.updatedCount += counts.updatedCount;
    this.counts.unchangedCount += counts.unchangedCount;
    this.rowsSent += batch.length;
    this.progress?.rowsDone(this.rowsSent);
  }

  result(rowsRead: number, rejected: RejectedRow[]): PushResult {
    return {
      rowsRead,
      rowsSent: this.rowsSent,
      counts: { ...this.counts },
      rejected,
      sent: true,
    };
  }
}

function noCounts(): UpsertCounts {
  return { insertedCount: 0, updatedCount: 0, unchangedCount: 0 };
}

/** Retries what may pass on a second try (the network, a gateway, a timeout); upserts make it safe. */
async function withRetries<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !isTransient(error)) throw error;
      await sleep(delay);
    }
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof FolioqlError) return [502, 503, 504].includes(error.status);
  // fetch rejects with a TypeError when the connection fails, and with a
  // TimeoutError when AbortSignal.timeout fires.
  return error instanceof TypeError || (error instanceof Error && error.name === 'TimeoutError');
}

function describeFailure(error: unknown): string {
  if (error instanceof FolioqlError) return error.code ? `${error.message} (${error.code})` : error.message;
  if (error instanceof TypeError && error.cause instanceof Error)
    return `${error.message}: ${error.cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
