/**
 * The change log (table folioql_changes, see schema.ts and its migration):
 * what a write operation records before it commits, and what subscriptions
 * read back to replay and to fan out.
 *
 * A write operation collects what it changed in a `ChangeSet` and records it
 * with one statement at its end: one log entry and one NOTIFY per committed
 * operation, however many fields and rows it wrote. A rolled-back operation
 * records nothing, and PostgreSQL sends its NOTIFY only on commit.
 */
import { asc, gt, sql } from 'drizzle-orm';
import { clientError, ERROR_CODES } from '../errors.ts';
import type { Database } from './database.ts';
import {
  changeEvents,
  changeHorizon,
  type HistoryChanges,
  type PointKey,
  type TradeChanges,
  type TradeKey,
} from './schema.ts';

/** The channel folioql_records_changes notifies, with the new entry's id as payload. */
export const CHANGES_CHANNEL = 'folioql_changes';

/** One entry of the change log. */
export interface ChangeEntry {
  id: bigint;
  committedAt: string;
  trades: TradeChanges | null;
  history: HistoryChanges | null;
  /**
   * The log's horizon when the entry was read: if it is past the id a reader
   * asked to continue after, entries it had not read yet were pruned.
   */
  prunedThrough: bigint;
}

/** What one write operation changed, collected field by field, recorded once at its end. */
export class ChangeSet {
  #trades: TradeChanges = { upserted: [], deleted: [] };
  #history: HistoryChanges = { upserted: [], deleted: [] };

  /** Trades written (inserted or changed) or deleted, with what subscribers filter on. */
  trades(change: 'upserted' | 'deleted', keys: readonly TradeKey[]): void {
    for (const { id, market, symbol } of keys) this.#trades[change].push({ id, market, symbol });
  }

  /** History points written or deleted, with what subscribers filter on. */
  points(change: 'upserted' | 'deleted', keys: readonly PointKey[]): void {
    for (const { id, market, interval } of keys) this.#history[change].push({ id, market, interval });
  }

  get isEmpty(): boolean {
    return !hasChanges(this.#trades) && !hasChanges(this.#history);
  }

  /**
   * Writes the log entry and its NOTIFY, in the operation's transaction (which
   * holds the write lock): the last statement before COMMIT. Entries older
   * than `retentionMs` are pruned by the same call.
   */
  async record(tx: Database, retentionMs: number): Promise<void> {
    const json = (changes: TradeChanges | HistoryChanges) =>
      hasChanges(changes) ? JSON.stringify(changes) : null;
    await tx.execute(
      sql`select folioql_record_changes(${json(this.#trades)}::text::jsonb, ${json(this.#history)}::text::jsonb, ${retentionMs})`,
    );
  }
}

function hasChanges(changes: TradeChanges | HistoryChanges): boolean {
  return changes.upserted.length > 0 || changes.deleted.length > 0;
}

/** Log entries after `after`, oldest first, at most `limit`. */
export function readChangesAfter(
  db: Database,
  after: bigint,
  { limit }: { limit: number },
): Promise<ChangeEntry[]> {
  return db
    .select({
      id: changeEvents.id,
      committedAt: changeEvents.committedAt,
      trades: changeEvents.trades,
      history: changeEvents.history,
      // Read with the entries, in the same snapshot. A pruning write also adds
      // an entry, so a reader that lost entries to pruning always gets at
      // least that one, and sees the horizon with it.
      prunedThrough: sql<bigint>`(select pruned_through from folioql_change_horizon)`.mapWith(BigInt),
    })
    .from(changeEvents)
    .where(gt(changeEvents.id, after))
    .orderBy(asc(changeEvents.id))
    .limit(limit);
}

/**
 * What a cursor may be: from `prunedThrough` (older entries are gone) to
 * `last`, the last id drawn (entries of rolled-back operations draw ids too
 * and leave gaps, which nothing needs to fill).
 */
export async function changeLogBounds(db: Database): Promise<{ prunedThrough: bigint; last: bigint }> {
  const [bounds] = await db
    .select({
      prunedThrough: changeHorizon.prunedThrough,
      last: sql<string>`(select case when is_called then last_value else 0 end from folioql_changes_id_seq)::text`,
    })
    .from(changeHorizon);
  return { prunedThrough: bounds!.prunedThrough, last: BigInt(bounds!.last) };
}

/** The id of the newest entry of the log (the horizon when it is empty): where a new listener starts. */
export async function lastChangeId(db: Database): Promise<bigint> {
  const [row] = await db
    .select({
      last: sql<string>`coalesce((select max(id) from folioql_changes), ${changeHorizon.prunedThrough})::text`,
    })
    .from(changeHorizon);
  return BigInt(row!.last);
}

/**
 * A change cursor: opaque to clients, base64url of "change:<id>". A client
 * that passes one back as `after` gets every change committed after it.
 */
export function changeCursor(id: bigint): string {
  return Buffer.from(`change:${id}`).toString('base64url');
}

/** The log id a cursor names; a clear error for anything else, naming `where`. */
export function changeIdOf(cursor: string, where: string): bigint {
  const match =
    cursor.length <= 64
      ? /^change:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
      : null;
  if (!match) {
    throw clientError(
      ERROR_CODES.BAD_USER_INPUT,
      `${where} is not a change cursor: pass the cursor of an event this subscription sent`,
    );
  }
  return BigInt(match[1]!);
}
