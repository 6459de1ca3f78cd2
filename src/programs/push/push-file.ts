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
import { createFolioqlClient, FolioqlError, viewerQuery, type FolioqlClient } from '../client/index.ts';
import { BatchSender } from './batch-sender.ts';
import { checkHeader, GoodRows, type FileRow } from './good-rows.ts';
import { createProgress } from './progress.ts';
import { FileError, formatOf, readRecords } from './read-records.ts';
import { noCounts, PushError, type PushResult } from './result.ts';
import { describeFailure, retrying, type Retry } from './retry.ts';
import { pushTargets, type PushTargetName } from './targets.ts';

export { PushError, REJECTED_KEPT, type PushResult, type RejectedRow } from './result.ts';
export { pushTargets, type PushTargetName, type UpsertCounts } from './targets.ts';

export const DEFAULT_BATCH_SIZE = 1000;
/** How long one batch may take before it is given up and retried. */
const REQUEST_TIMEOUT_MS = 120_000;
/** Waits before each retry of a request that failed on the way (network, gateway, conflict). */
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
  /** Waits before the retries of a failed request, in milliseconds. */
  retryDelaysMs?: readonly number[];
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
