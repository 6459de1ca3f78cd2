/**
 * Admission to the database, so that readers never wait for writers.
 *
 * Writing operations take the write lock in their transaction (see
 * role-transaction.ts), and a transaction holds a pool connection while it
 * waits for that lock: twenty producers queued on it took nine of ten
 * connections, and anonymous reads waited seconds for the tenth. So a
 * writing operation first waits here, in process and without a connection,
 * for this instance's write turn: one writer at a time per instance, the
 * others in line. An instance then holds at most one connection for
 * writing, and the rest of the pool is the readers'. Across instances the
 * advisory lock still orders writers, and its wait is bounded by
 * `lock_timeout` (WRITE_WAIT_TIMEOUT_MS as well).
 *
 * The line is bounded twice: at most WRITE_QUEUE_MAX writers wait (each
 * holds its parsed batch in memory), and none waits longer than
 * WRITE_WAIT_TIMEOUT_MS or its operation's deadline. Past either, the
 * operation is refused with WRITE_BUSY (503): nothing was written, and
 * trying again later is safe.
 *
 * It also counts operations waiting for and holding a connection, for
 * /metrics.
 */
import { GraphQLError } from 'graphql';
import { WRITE_BUSY } from '../errors.ts';

export interface AdmissionOptions {
  /** Most writing operations waiting for the write turn. */
  writeQueueMax: number;
  /** Longest a writing operation waits for the write turn (and, in PostgreSQL, the write lock). */
  writeWaitMs: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = { writeQueueMax: 32, writeWaitMs: 5_000 };

export interface DatabaseLoad {
  /** Operations holding a connection (in a transaction). */
  inUse: number;
  /** Operations waiting for a connection. */
  waiting: number;
  /** Writing operations waiting for the write turn. */
  writeQueue: number;
}

export function writeBusy(reason: string): GraphQLError {
  return new GraphQLError(
    `${reason}; nothing was written. Retrying shortly is safe (upserts are idempotent)`,
    { extensions: { code: WRITE_BUSY, http: { status: 503, headers: { 'retry-after': '1' } } } },
  );
}

export class Admission {
  readonly options: AdmissionOptions;
  #writing = false;
  /** Writers waiting for the turn, first come first served. */
  #writeLine: (() => void)[] = [];
  #inUse = 0;
  #waiting = 0;

  constructor(options: Partial<AdmissionOptions> = {}) {
    this.options = {
      writeQueueMax: options.writeQueueMax ?? DEFAULT_ADMISSION.writeQueueMax,
      writeWaitMs: options.writeWaitMs ?? DEFAULT_ADMISSION.writeWaitMs,
    };
  }

  load(): DatabaseLoad {
    return { inUse: this.#inUse, waiting: this.#waiting, writeQueue: this.#writeLine.length };
  }

  /**
   * Runs `work`, a writing one only in its turn. `work` calls `began()` once
   * its transaction has a connection, so the counts know waiting from holding.
   */
  async run<T>(
    { writes, deadline }: { writes: boolean; deadline: number },
    work: (began: () => void) => Promise<T>,
  ): Promise<T> {
    if (writes) await this.#takeWriteTurn(deadline);
    this.#waiting++;
    let holding = false;
    const began = () => {
      if (holding) return;
      holding = true;
      this.#waiting--;
      this.#inUse++;
    };
    try {
      return await work(began);
    } finally {
      if (holding) this.#inUse--;
      else this.#waiting--;
      if (writes) this.#passWriteTurn();
    }
  }

  #takeWriteTurn(deadline: number): Promise<void> {
    if (!this.#writing) {
      this.#writing = true;
      return Promise.resolve();
    }
    if (this.#writeLine.length >= this.options.writeQueueMax) {
      return Promise.reject(
        writeBusy(
          `${this.options.writeQueueMax} writes are already waiting for their turn on this instance (WRITE_QUEUE_MAX)`,
        ),
      );
    }
    const waitMs = Math.max(0, Math.min(this.options.writeWaitMs, deadline - Date.now()));
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const place = this.#writeLine.indexOf(grant);
        if (place >= 0) this.#writeLine.splice(place, 1);
        reject(writeBusy(`Other writes held the write turn for ${waitMs} ms (WRITE_WAIT_TIMEOUT_MS)`));
      }, waitMs);
      this.#writeLine.push(grant);
    });
  }

  /** The next writer in line gets the turn, which stays taken; with none, it is free. */
  #passWriteTurn(): void {
    const next = this.#writeLine.shift();
    if (next) next();
    else this.#writing = false;
  }
}
