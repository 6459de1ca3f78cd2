/**
 * Admission to the database, so that readers never wait for writers and no
 * operation waits without a bound.
 *
 * Writing operations take the write lock in their transaction (see
 * role-transaction.ts), and a transaction holds a pool connection while it
 * waits for that lock: twenty producers queued on it took nine of ten
 * connections, and anonymous reads waited seconds for the tenth. So a
 * writing operation first waits here, in process and without a connection,
 * for this instance's write turn: one writer at a time per instance. An
 * instance then holds at most one connection for writing, and the rest of
 * the pool is the readers'. Across instances the advisory lock still orders
 * writers, and its wait is bounded by `lock_timeout` (WRITE_WAIT_TIMEOUT_MS).
 * The line for the turn is bounded twice: at most WRITE_QUEUE_MAX writers
 * wait (each holds its parsed batch in memory), and none longer than
 * WRITE_WAIT_TIMEOUT_MS. Past either: WRITE_BUSY (503).
 *
 * Then every operation takes one of the pool's connections here, not in
 * postgres.js, whose queue has no time limit: at most as many operations as
 * the pool has connections are in a transaction at once, and the others
 * wait in line at most DATABASE_ACQUIRE_TIMEOUT_MS (and never past their
 * operation's deadline). Past it: DATABASE_BUSY (503). When an operation
 * cannot connect at all (DATABASE_CONNECT_TIMEOUT_MS, which is shorter),
 * everyone in line is answered DATABASE_UNAVAILABLE at once, rather than
 * each trying in turn.
 */
import type { GraphQLError } from 'graphql';
import { clientError, ERROR_CODES, type ErrorCode } from '../errors.ts';
import { ConnectionWaitTimeoutError } from './connection-deadline.ts';
import { operationTimedOut } from './role-transaction.ts';
import { isConnectFailure } from './errors.ts';

export interface AdmissionOptions {
  /** Operations in a transaction at once: the pool's size (1 for PGlite). */
  connections: number;
  /** Longest an operation waits for a connection. */
  acquireTimeoutMs: number;
  /** Most writing operations waiting for the write turn. */
  writeQueueMax: number;
  /** Longest a writing operation waits for the write turn (and, in PostgreSQL, the write lock). */
  writeWaitMs: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = {
  connections: 10,
  // Longer than DATABASE_CONNECT_TIMEOUT_MS, so a database that cannot be
  // reached is reported as such (see above), not as busy.
  acquireTimeoutMs: 3_000,
  writeQueueMax: 32,
  writeWaitMs: 5_000,
};

export interface DatabaseLoad {
  /** Operations holding a connection (in a transaction). */
  inUse: number;
  /** Operations waiting for a connection. */
  waiting: number;
  /** Writing operations waiting for the write turn. */
  writeQueue: number;
}

/** An error for a client that may send the same request again in a second. */
function busy(code: ErrorCode, message: string): GraphQLError {
  return clientError(code, message, { status: 503, retryAfterSeconds: 1 });
}

/**
 * Places that may be held by at most `size` at once; the others wait in
 * line, first come first served, and a waiter that gives up leaves the line.
 */
class Line {
  #free: number;
  #waiters: { grant: () => void; refuse: (error: Error) => void }[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get full(): boolean {
    return this.#free === 0;
  }

  /** A place within `waitMs`, or `onTimeout()`'s error. */
  take(waitMs: number, onTimeout: () => Error): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
        refuse: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(onTimeout());
      }, waitMs);
      this.#waiters.push(waiter);
    });
  }

  /** The place goes to the next in line, or becomes free. */
  give(): void {
    const next = this.#waiters.shift();
    if (next) next.grant();
    else this.#free++;
  }

  /** Everyone waiting leaves the line with `error`. */
  refuseAll(error: () => Error): void {
    for (const waiter of this.#waiters.splice(0)) waiter.refuse(error());
  }
}

export class Admission {
  readonly options: AdmissionOptions;
  readonly #writeTurn = new Line(1);
  readonly #connections: Line;
  #inUse = 0;

  constructor(options: Partial<AdmissionOptions> = {}) {
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.options = { ...DEFAULT_ADMISSION, ...given };
    this.#connections = new Line(this.options.connections);
  }

  load(): DatabaseLoad {
    return { inUse: this.#inUse, waiting: this.#connections.waiting, writeQueue: this.#writeTurn.waiting };
  }

  /** Runs `work` once it has a connection, and a writing one only in its turn. */
  async run<T>(
    { writes, deadline }: { writes: boolean; deadline: number },
    work: () => Promise<T>,
  ): Promise<T> {
    const left = () => Math.max(0, deadline - Date.now());
    /** The wait's own limit, or the operation's budget where that ends first. */
    const bounded = (limitMs: number, onLimit: () => Error) =>
      left() < limitMs
        ? { waitMs: left(), onTimeout: operationTimedOut }
        : { waitMs: limitMs, onTimeout: onLimit };
    if (writes) {
      if (this.#writeTurn.full && this.#writeTurn.waiting >= this.options.writeQueueMax) {
        throw this.#writeBusy(
          `${this.options.writeQueueMax} writes are already waiting for their turn on this instance (WRITE_QUEUE_MAX)`,
        );
      }
      const { waitMs, onTimeout } = bounded(this.options.writeWaitMs, () =>
        this.#writeBusy(
          `Other writes held the write turn for ${this.options.writeWaitMs} ms (WRITE_WAIT_TIMEOUT_MS)`,
        ),
      );
      await this.#writeTurn.take(waitMs, onTimeout);
    }
    try {
      const { waitMs, onTimeout } = bounded(this.options.acquireTimeoutMs, () =>
        busy(
          ERROR_CODES.DATABASE_BUSY,
          `Every database connection stayed busy for ${this.options.acquireTimeoutMs} ms (DATABASE_ACQUIRE_TIMEOUT_MS); the operation did not run. Retrying shortly is safe`,
        ),
      );
      await this.#connections.take(waitMs, onTimeout);
      this.#inUse++;
      try {
        return await work();
      } catch (error) {
        // No connection could be made: those waiting for one would wait for
        // nothing, and writers for a turn they cannot use. They are answered
        // now, as this operation was; those arriving later try again.
        if (isConnectFailure(error)) {
          const unavailable = () => new ConnectionWaitTimeoutError(0);
          this.#connections.refuseAll(unavailable);
          this.#writeTurn.refuseAll(unavailable);
        }
        throw error;
      } finally {
        this.#inUse--;
        this.#connections.give();
      }
    } finally {
      if (writes) this.#writeTurn.give();
    }
  }

  #writeBusy(reason: string): GraphQLError {
    return busy(
      ERROR_CODES.WRITE_BUSY,
      `${reason}; nothing was written. Retrying shortly is safe (upserts are idempotent)`,
    );
  }
}
