/**
 * One instance's feed of committed changes, for all of its subscribers.
 *
 * The instance LISTENs on one connection of its own (db/listener.ts). Each
 * notification, each reconnection of that connection, and a slow tick make
 * it read the change log past the last entry it has seen (`head`), once, and
 * hand each new entry, in id order, to every subscriber. An entry's rows are
 * read once per role on first demand and shared: the database work per event
 * does not grow with the number of subscribers.
 *
 * A subscriber that passes a cursor first replays the log from the database,
 * from its cursor up to the head at the moment it joined, page by page; the
 * live entries that arrive meanwhile wait in its queue. Every entry reaches
 * it once, in commit order, with no gap (the log's ids are in commit order,
 * see schema.ts) and no duplicate (it skips ids it has passed).
 *
 * Every subscriber's queue is bounded (SUBSCRIPTION_BUFFER): one that falls
 * that far behind is ended with SUBSCRIBER_TOO_SLOW rather than holding
 * memory for ever, and resumes from its cursor like any reconnecting client.
 */
import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import type { LiveConfig } from '../config.ts';
import {
  changeCursor,
  changeLogBounds,
  CHANGES_CHANNEL,
  lastChangeId,
  readChangesAfter,
  type ChangeEntry,
} from '../db/change-log.ts';
import type { Database, DatabaseConnection } from '../db/database.ts';
import type { Listening } from '../db/listener.ts';
import { selectPointsByIds } from '../db/portfolio-history.ts';
import type { WithRoleTransaction } from '../db/role-transaction.ts';
import type { PortfolioHistoryPoint, Trade } from '../db/schema.ts';
import { selectTradesByIds } from '../db/trades.ts';
import { badUserInput, clientError, ERROR_CODES } from '../errors.ts';

/** Log entries read per statement, live or replaying. */
const LOG_PAGE = 200;
/** setTimeout's longest delay; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The rows an event names, as a role may read them now. */
export interface ChangedRows {
  trades: Map<string, Trade>;
  points: Map<number, PortfolioHistoryPoint>;
}

/** One committed write operation, as subscribers receive it. */
export class ChangeEvent {
  readonly cursor: string;
  #rows = new Map<string, Promise<ChangedRows>>();

  constructor(
    readonly entry: ChangeEntry,
    private readonly readRows: (role: string, entry: ChangeEntry) => Promise<ChangedRows>,
  ) {
    this.cursor = changeCursor(entry.id);
  }

  get id(): bigint {
    return this.entry.id;
  }

  /**
   * The upserted rows as `role` reads them: read once per role, however many
   * subscribers ask. Rows deleted since the event are missing (a later event
   * says they were deleted).
   */
  rowsFor(role: string): Promise<ChangedRows> {
    let rows = this.#rows.get(role);
    if (!rows) this.#rows.set(role, (rows = this.readRows(role, this.entry)));
    return rows;
  }

  #selections = new Map<string, Promise<unknown>>();

  /**
   * What `select` makes of this event, made once per key (a subscription's
   * filter and role) however many subscribers share it.
   */
  selectOnce<T>(key: string, select: () => Promise<T>): Promise<T> {
    let selected = this.#selections.get(key) as Promise<T> | undefined;
    if (!selected) this.#selections.set(key, (selected = select()));
    return selected;
  }
}

export interface SubscribeOptions<Payload> {
  /** The subscriber's role: it reads the log and the rows as this role. */
  role: string;
  /** Resume after this log id (from a cursor): replay every event since, then go live. */
  after?: bigint;
  /** When the subscriber's token expires (epoch ms): the stream ends then with TOKEN_EXPIRED. */
  endsAt?: number;
  /** The payload this subscriber gets for an event, or undefined to skip it (no matching rows). */
  select(event: ChangeEvent, role: string): Promise<Payload | undefined>;
}

export interface ChangeFeedOptions {
  database: Pick<DatabaseConnection, 'listen'>;
  withRoleTransaction: WithRoleTransaction;
  /** The role the feed reads the log as for everyone (the anonymous role): the log holds only ids. */
  logReaderRole: string;
  live: LiveConfig;
  logger: YogaLogger;
}

export class ChangeFeed {
  #head: bigint | undefined;
  #subscribers = new Set<Subscriber<unknown>>();
  #started: Promise<void> | undefined;
  #listening: Listening | undefined;
  #tick: NodeJS.Timeout | undefined;
  #catchingUp: Promise<void> | undefined;
  #catchUpAgain = false;
  #stopped = false;
  /** Statements this feed has sent: the live benchmark reads it to show they do not grow with subscribers. */
  statements = 0;
  /** Log entries this instance has read and handed to its subscribers. */
  eventsPublished = 0;

  constructor(private readonly options: ChangeFeedOptions) {}

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Starts a subscription: replays from `after` if given, then live events until it is ended. */
  async subscribe<Payload>(options: SubscribeOptions<Payload>): Promise<AsyncIterableIterator<Payload>> {
    this.#checkRoom();
    await this.#start();
    if (options.after !== undefined) {
      const { prunedThrough, last } = await this.#read(options.role, changeLogBounds);
      if (options.after < prunedThrough) throw cursorExpired();
      if (options.after > last) throw badUserInput('The cursor names no event of this database');
    }
    this.#checkRoom();
    if (this.#stopped) throw stopping();
    // Joined and given the head in one synchronous step: every entry after
    // the head is pushed to it; the ones up to the head, it replays.
    const subscriber = new Subscriber(this, options as SubscribeOptions<unknown>, this.#head!);
    // One whose token is already past its exp (accepted within the clock
    // tolerance) is ended by its constructor: it must not join, or it would
    // stay in the set for ever.
    if (!subscriber.ended) this.#subscribers.add(subscriber);
    return subscriber as AsyncIterableIterator<Payload>;
  }

  /** Ends every subscription with SERVER_STOPPING and stops listening. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const subscriber of this.#subscribers) subscriber.end(stopping());
    clearInterval(this.#tick);
    await this.#listening?.close();
  }

  /** The last id this instance has handed to its subscribers; undefined before anyone subscribed. */
  get head(): bigint | undefined {
    return this.#head;
  }

  remove(subscriber: Subscriber<unknown>): void {
    this.#subscribers.delete(subscriber);
  }

  /** Log entries after `after` up to `through`, read as `role`. */
  /** Log entries after `after`, a page of them, read as `role`. */
  readLog(role: string, after: bigint): Promise<ChangeEntry[]> {
    return this.#read(role, (tx) => readChangesAfter(tx, after, { limit: LOG_PAGE }));
  }

  /** An event whose rows are read on demand, per role. */
  eventOf(entry: ChangeEntry): ChangeEvent {
    return new ChangeEvent(entry, (role, changed) => this.#read(role, (tx) => readRows(tx, changed)));
  }

  get bufferSize(): number {
    return this.options.live.buffer;
  }

  #checkRoom(): void {
    const max = this.options.live.maxSubscriptions;
    if (this.#subscribers.size >= max) {
      throw clientError(
        ERROR_CODES.SUBSCRIPTION_LIMIT,
        `This server already serves ${max} subscriptions (SUBSCRIPTIONS_MAX); try again later or another instance`,
      );
    }
  }

  /** One short read-only transaction as `role`; counted. */
  async #read<T>(role: string, work: (tx: Database) => Promise<T>): Promise<T> {
    return this.options.withRoleTransaction(
      // One read serves every subscriber of the role, so it carries no one's claims.
      { role, claims: { role } },
      { writes: false, readOnly: true },
      async (tx) => {
        this.statements++;
        return { value: await work(tx), commit: true };
      },
    );
  }

  /** Listens and learns the head, once, when the first subscriber comes. */
  #start(): Promise<void> {
    this.#started ??= (async () => {
      const { logger } = this.options;
      const listening = await this.options.database.listen(CHANGES_CHANNEL, {
        onNotify: () => void this.#catchUp(),
        // Again after a dropped connection: whatever committed meanwhile is read now.
        onConnect: () => void this.#catchUp(),
        onError: (error) => logger.warn('Live updates: the listening connection failed; reconnecting', error),
      });
      try {
        // An entry committed between LISTEN and this read is in the head; its
        // notification then finds nothing new.
        this.#head = await this.#read(this.options.logReaderRole, lastChangeId);
      } catch (error) {
        await listening.close();
        throw error;
      }
      if (this.#stopped) {
        // Stopped while starting: stop() found nothing to close, so close it here.
        await listening.close();
        throw stopping();
      }
      this.#listening = listening;
      // A safety net under LISTEN (CHANGES_POLL_MS): even a notification lost
      // without the connection dropping (it should not happen) delays an
      // event by this much at most.
      const { pollMs } = this.options.live;
      if (pollMs > 0) this.#tick = setInterval(() => void this.#catchUp(), pollMs).unref();
    })().catch((error: unknown) => {
      this.#started = undefined;
      throw error;
    });
    return this.#started;
  }

  /** Reads and hands out every entry past the head; one run at a time, run again if asked meanwhile. */
  #catchUp(): Promise<void> {
    if (this.#head === undefined || this.#stopped) return Promise.resolve();
    if (this.#catchingUp) {
      this.#catchUpAgain = true;
      return this.#catchingUp;
    }
    this.#catchingUp = (async () => {
      do {
        this.#catchUpAgain = false;
        try {
          for (;;) {
            const entries = await this.#read(this.options.logReaderRole, (tx) =>
              readChangesAfter(tx, this.#head!, { limit: LOG_PAGE }),
            );
            // Pruned before this instance read them (it fell a whole retention
            // behind): its subscribers missed events, and are told so.
            if (entries[0] && entries[0].prunedThrough > this.#head!) {
              for (const subscriber of this.#subscribers) subscriber.end(cursorExpired());
            }
            for (const entry of entries) this.#publish(this.eventOf(entry));
            if (entries.length < LOG_PAGE) break;
          }
        } catch (error) {
          // Tried again on the next notification, reconnection or tick; nothing is skipped.
          this.options.logger.warn('Live updates: could not read the change log; will try again', error);
        }
      } while (this.#catchUpAgain);
    })().finally(() => {
      this.#catchingUp = undefined;
    });
    return this.#catchingUp;
  }

  /**
   * Calls `listener` after every change this instance learns of, from now
   * on; resolves once the feed listens (rejects if it cannot start: try again).
   * The response cache forgets its answers this way.
   */
  async follow(listener: () => void): Promise<void> {
    await this.#start();
    this.#followers.add(listener);
  }

  #followers = new Set<() => void>();

  #publish(event: ChangeEvent): void {
    if (event.id <= this.#head!) return;
    this.#head = event.id;
    this.eventsPublished++;
    for (const follower of this.#followers) follower();
    for (const subscriber of this.#subscribers) subscriber.push(event);
  }
}

async function readRows(tx: Database, entry: ChangeEntry): Promise<ChangedRows> {
  const tradeIds = (entry.trades?.upserted ?? []).map((trade) => trade.id);
  const pointIds = (entry.history?.upserted ?? []).map((point) => point.id);
  const [trades, points] = await Promise.all([
    tradeIds.length ? selectTradesByIds(tx, tradeIds) : [],
    pointIds.length ? selectPointsByIds(tx, pointIds) : [],
  ]);
  return {
    trades: new Map(trades.map((trade) => [trade.id, trade])),
    points: new Map(points.map((point) => [point.id, point])),
  };
}

function cursorExpired(): GraphQLError {
  return clientError(
    ERROR_CODES.CURSOR_EXPIRED,
    'The cursor is older than the change log keeps (CHANGES_RETENTION_MS): the events since cannot all be replayed. Read the current state again and subscribe without `after`.',
  );
}

function stopping(): GraphQLError {
  return clientError(
    ERROR_CODES.SERVER_STOPPING,
    'The server is stopping: subscribe again (another instance will answer) with the last cursor you received',
  );
}

/**
 * One subscription's stream: replay first, then its queue of live events.
 * `next()` is called by one consumer at a time (yoga's SSE, graphql-ws).
 */
class Subscriber<Payload> implements AsyncIterableIterator<Payload> {
  #queue: ChangeEvent[] = [];
  #wake: (() => void) | undefined;
  #ended: { error?: GraphQLError } | undefined;
  /** While replaying: the last id replayed, and the page read ahead. */
  #replayAfter: bigint | undefined;
  #page: ChangeEntry[] = [];
  /** The last id this subscriber has passed, sent or skipped. */
  #passed: bigint;
  #expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly options: SubscribeOptions<Payload>,
    /** The feed's head when this subscriber joined: replay goes up to it. */
    private readonly replayThrough: bigint,
  ) {
    this.#replayAfter = options.after;
    this.#passed = options.after ?? replayThrough;
    if (options.endsAt !== undefined) this.#armExpiry(options.endsAt);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  push(event: ChangeEvent): void {
    if (this.#ended) return;
    if (this.#queue.length >= this.feed.bufferSize) {
      this.end(
        clientError(
          ERROR_CODES.SUBSCRIBER_TOO_SLOW,
          `More than ${this.feed.bufferSize} events were waiting for this subscriber (SUBSCRIPTION_BUFFER); subscribe again with the last cursor you received to catch up`,
        ),
      );
      return;
    }
    this.#queue.push(event);
    this.#wakeUp();
  }

  /** Ends the stream: with an error, sent as its last result; without, quietly. */
  end(error?: GraphQLError): void {
    if (this.#ended) return;
    this.#ended = { error };
    this.#queue = [];
    this.#page = [];
    clearTimeout(this.#expiry);
    this.feed.remove(this as Subscriber<unknown>);
    this.#wakeUp();
  }

  async next(): Promise<IteratorResult<Payload>> {
    for (;;) {
      if (this.#ended) {
        const { error } = this.#ended;
        if (error) {
          // Thrown once; the stream is done after it.
          this.#ended = {};
          throw error;
        }
        return { done: true, value: undefined };
      }
      let event: ChangeEvent | undefined;
      try {
        event = await this.#nextEvent();
        if (!event || event.id <= this.#passed) continue;
        this.#passed = event.id;
        const payload = await this.options.select(event, this.options.role);
        if (payload !== undefined && !this.#ended) return { done: false, value: payload };
      } catch (error) {
        // The database failed under a replay or a read of rows: the stream
        // ends with the error, and the client resumes from its last cursor.
        this.end(
          error instanceof GraphQLError
            ? error
            : new GraphQLError('Live updates failed', { originalError: error as Error }),
        );
      }
    }
  }

  async return(): Promise<IteratorResult<Payload>> {
    this.end();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<Payload>> {
    this.end();
    throw error;
  }

  /** The next event to consider, or undefined when woken with nothing (ended, or a push to look at). */
  async #nextEvent(): Promise<ChangeEvent | undefined> {
    if (this.#replayAfter !== undefined) {
      // Read past the head it joined at, not up to it: the newest entries
      // carry the horizon, which tells whether any this replay had not read
      // yet were pruned meanwhile (a pruning write always adds an entry).
      if (this.#page.length === 0) this.#page = await this.feed.readLog(this.options.role, this.#replayAfter);
      const entry = this.#page.shift();
      // Pruned while this subscriber replayed (slowly): it cannot be resumed without a gap.
      if (entry && entry.prunedThrough > this.#replayAfter) throw cursorExpired();
      if (!entry || entry.id > this.replayThrough) {
        // Replayed up to the head it joined at: the rest come through its queue.
        this.#replayAfter = undefined;
        this.#page = [];
        return undefined;
      }
      this.#replayAfter = entry.id;
      // Replayed events are this subscriber's own: their rows are read for it alone.
      return this.feed.eventOf(entry);
    }
    const queued = this.#queue.shift();
    if (queued) return queued;
    await new Promise<void>((resolve) => (this.#wake = resolve));
    return undefined;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #armExpiry(endsAt: number): void {
    const left = endsAt - Date.now();
    if (left <= 0) {
      this.end(
        clientError(
          ERROR_CODES.TOKEN_EXPIRED,
          'The token of this subscription expired: subscribe again with a fresh token and the last cursor you received',
        ),
      );
      return;
    }
    this.#expiry = setTimeout(() => this.#armExpiry(endsAt), Math.min(left, MAX_TIMER_MS));
    this.#expiry.unref();
  }
}
