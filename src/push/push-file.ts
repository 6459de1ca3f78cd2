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
  type UpsertTradesMutation,
} from '../client/index.ts';
import { portfolioHistory, trades } from '../db/schema.ts';
import { TRADE_TEXT_MAX } from '../input-values.ts';
import { createProgress } from './progress.ts';
import { FileError, formatOf, readRecords, type FileRecord } from './read-records.ts';
import { RowError, rowReaderFor, type Cell, type RowReader } from './row-reader.ts';

/** What the server says an upsert did, as the typed client reads it. */
export type UpsertCounts = UpsertTradesMutation['upsertTrades'];

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
/** Waits before each retry of a request that failed on the way (network, gateway, conflict). */
const RETRY_DELAYS_MS = [500, 1000, 2000];
/** Bad rows kept with their reasons; past these, only counted, so memory stays bounded. */
export const REJECTED_KEPT = 1000;

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
  /** Waits before the retries of a failed request, in milliseconds. */
  retryDelaysMs?: readonly number[];
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
  /** How many rows were bad. */
  rejectedCount: number;
  /** The first REJECTED_KEPT bad rows, in file order. */
  rejected: RejectedRow[];
  /**
   * Batches sent again after a failure on the way back: if the first try
   * had been written, its rows count as unchanged.
   */
  batchesRetried: number;
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
  const before = await fileVersion(options.path);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const retry = retrying(options.retryDelaysMs ?? RETRY_DELAYS_MS);
  const client = options.dryRun ? undefined : await connect(options, retry);

  /** A pass over the file: its good rows, and progress on what is done with them. */
  const startPass = (verb: string) => {
    const progress =
      options.progressStream &&
      createProgress({ stream: options.progressStream, fileBytes: before.size, verb });
    const records = readRecords(options.path, {
      format,
      onBytes: (bytes) => progress?.read(bytes),
      checkHeader: (columns) => checkHeader(columns, target.reader),
    });
    return { rows: new GoodRows(target, records), progress };
  };

  // A dry run only checks; a strict one checks the whole file before it sends.
  if (!client || options.strict) {
    const { rows, progress } = startPass('checked');
    try {
      for await (const _row of rows) progress?.rowsDone(rows.read);
      progress?.rowsDone(rows.read);
    } finally {
      progress?.stop();
    }
    if (!client || rows.rejectedCount > 0) return { ...rows.tally(), ...nothingSent() };
    if ((await fileVersion(options.path)).changedSince(before)) {
      throw new FileError('the file changed while it was being checked; nothing was sent');
    }
  }

  const { rows, progress } = startPass('sent');
  const sender = new BatchSender(target, client, retry, (rowsSent) => progress?.rowsDone(rowsSent));
  try {
    let batch: FileRow[] = [];
    try {
      for await (const row of rows) {
        batch.push(row);
        if (batch.length >= batchSize) {
          await sender.send(batch);
          batch = [];
        }
      }
    } catch (error) {
      // The file cannot be read on: the good rows before that point still
      // load, wherever the batches happened to end.
      if (error instanceof FileError && batch.length > 0) await sender.send(batch);
      throw error;
    }
    if (batch.length > 0) await sender.send(batch);
  } catch (error) {
    if (error instanceof PushError || error instanceof FileError) {
      throw new PushError(error.message, { ...rows.tally(), ...sender.tally() });
    }
    throw error;
  } finally {
    progress?.stop();
  }
  return { ...rows.tally(), ...sender.tally() };
}

function nothingSent() {
  return { rowsSent: 0, counts: noCounts(), batchesRetried: 0, sent: false };
}

/** The file's size and time of change, to tell whether it changed between two passes. */
async function fileVersion(path: string) {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw new FileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (!stats.isFile()) throw new FileError(`${path} is not a file`);
  const { size, mtimeMs } = stats;
  return {
    size,
    mtimeMs,
    changedSince: (earlier: { size: number; mtimeMs: number }) =>
      size !== earlier.size || mtimeMs !== earlier.mtimeMs,
  };
}

/**
 * A client for the endpoint, after asking the server who the token is: a
 * wrong URL or a reader's token fails here, before the file is read. A
 * server that takes only trusted documents gets hashes instead.
 */
async function connect({ url, token, fetch }: PushOptions, retry: Retry): Promise<FolioqlClient> {
  const clientFor = (persisted: boolean) =>
    createFolioqlClient({ url, token, fetch, persisted, timeoutMs: REQUEST_TIMEOUT_MS });
  let client = clientFor(false);
  const askWho = async () => (await retry(() => client.request(viewerQuery))).result.viewer;
  let viewer;
  try {
    viewer = await askWho().catch(async (error: unknown) => {
      if (!(error instanceof FolioqlError && error.code === 'PERSISTED_QUERY_ONLY')) throw error;
      client = clientFor(true);
      return askWho();
    });
  } catch (error) {
    throw new PushError(`cannot use ${url}: ${describeFailure(error)}`);
  }
  if (!viewer.isProducer) {
    throw new PushError(
      token
        ? `the token's role is ${viewer.role}; pushing needs a producer token`
        : 'pushing needs a producer token: pass --token or set FOLIOQL_TOKEN',
    );
  }
  return client;
}

/**
 * The rows of the file that pass every check, in order; the others are
 * counted, and the first REJECTED_KEPT kept with their line and reason. A
 * key seen on an earlier line is refused: two versions of a row in one file
 * leave which should win to a guess. The keys seen are the only memory that
 * grows with the file (about 100 bytes a row).
 */
class GoodRows implements AsyncIterable<FileRow> {
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
function checkHeader(columns: string[], reader: RowReader): void {
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

/** Sends batches of rows and adds up what the server did with them. */
class BatchSender {
  private readonly counts = noCounts();
  private rowsSent = 0;
  private batchesRetried = 0;

  constructor(
    private readonly target: PushTarget,
    private readonly client: FolioqlClient,
    private readonly retry: Retry,
    private readonly onSent: (rowsSent: number) => void,
  ) {}

  /**
   * Sends one batch, which the server takes whole or not at all. Its rows
   * passed the server's own checks here, so a refusal means the server
   * differs (another version, a smaller MAX_BATCH_SIZE): the push stops.
   */
  async send(batch: FileRow[]): Promise<void> {
    const lines = `lines ${batch[0]?.line}–${batch.at(-1)?.line}`;
    let counts: UpsertCounts;
    try {
      const sent = await this.retry(() =>
        this.target.upsert(
          this.client,
          batch.map((row) => row.input),
        ),
      );
      counts = sent.result;
      if (sent.retries > 0) this.batchesRetried += 1;
    } catch (error) {
      throw new PushError(
        error instanceof FolioqlError && !isTransient(error)
          ? `the server refused the batch of ${lines}: ${describeFailure(error)}`
          : `could not send the batch of ${lines}: ${describeFailure(error)}`,
      );
    }
    this.counts.insertedCount += counts.insertedCount;
    this.counts.updatedCount += counts.updatedCount;
    this.counts.unchangedCount += counts.unchangedCount;
    this.rowsSent += batch.length;
    this.onSent(this.rowsSent);
  }

  tally() {
    return {
      rowsSent: this.rowsSent,
      counts: { ...this.counts },
      batchesRetried: this.batchesRetried,
      sent: true,
    };
  }
}

function noCounts(): UpsertCounts {
  return { insertedCount: 0, updatedCount: 0, unchangedCount: 0 };
}

/** Runs a request, retrying what may pass on a second try; upserts make that safe. */
type Retry = <T>(run: () => Promise<T>) => Promise<{ result: T; retries: number }>;

function retrying(delays: readonly number[]): Retry {
  return async (run) => {
    for (let retries = 0; ; retries += 1) {
      try {
        return { result: await run(), retries };
      } catch (error) {
        const delay = delays[retries];
        if (delay === undefined || !isTransient(error)) throw error;
        await sleep(delay);
      }
    }
  };
}

/**
 * A failure on the way, not a refusal: the connection (fetch's TypeError
 * with a system error code), a gateway, a timeout, or a transaction the
 * database aborted for a concurrent one.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof FolioqlError) {
    return [502, 503, 504].includes(error.status) || error.code === 'TRANSACTION_CONFLICT';
  }
  if (error instanceof Error && error.name === 'TimeoutError') return true;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return error instanceof TypeError && typeof cause?.code === 'string';
}

function describeFailure(error: unknown): string {
  if (error instanceof FolioqlError) return error.code ? `${error.message} (${error.code})` : error.message;
  if (error instanceof TypeError && error.cause instanceof Error)
    return `${error.message}: ${error.cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
