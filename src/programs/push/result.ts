/**
 * What a push did: the counts the server reported, the bad rows by line,
 * and the error that stops a push with what it had done by then.
 */
import type { UpsertCounts } from './targets.ts';

/** Bad rows kept with their reasons; past these, only counted, so memory stays bounded. */
export const REJECTED_KEPT = 1000;

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

export function noCounts(): UpsertCounts {
  return { insertedCount: 0, updatedCount: 0, unchangedCount: 0 };
}
