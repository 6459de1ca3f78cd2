/**
 * Sending good rows in batches, each retried on a failure on the way.
 */
import { FolioqlError, type FolioqlClient } from '../client/index.ts';
import type { FileRow } from './good-rows.ts';
import { noCounts, PushError } from './result.ts';
import { describeFailure, isTransient, type Retry } from './retry.ts';
import type { PushTarget, UpsertCounts } from './targets.ts';

/** Sends batches of rows and adds up what the server did with them. */
export class BatchSender {
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
