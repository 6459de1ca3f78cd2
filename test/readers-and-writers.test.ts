/**
 * Readers never wait for writers, and nothing waits without a bound: writes
 * queue for their turn in process, without a connection (db/admission.ts);
 * the line is bounded in length and in time; the write lock's wait is
 * bounded by lock_timeout; an operation has one time budget in all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Admission } from '../src/db/admission.ts';
import { openPostgres, type DatabaseConnection } from '../src/db/database.ts';
import { inRoleTransaction, WRITE_LOCK_KEY } from '../src/db/role-transaction.ts';
import { trades } from '../src/db/schema.ts';
import { producerHeaders } from './support/auth.ts';
import { resetTables, trade, tradeInput } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql, type GraphQLResult } from './support/graphql.ts';
import { forEachDriver } from './support/test-database.ts';

const UPSERT = /* GraphQL */ `
  mutation Upsert($trades: [TradeInput!]!) {
    upsertTrades(trades: $trades) {
      insertedCount
    }
  }
`;
const READ = '{ latestTrades(limit: 5) { id } }';

describe('the write turn', () => {
  const far = () => Date.now() + 60_000;

  it('lets one writer in at a time, in the order they came, and readers past them', async () => {
    const admission = new Admission({ writeQueueMax: 5, writeWaitMs: 5_000 });
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = admission.run({ writes: true, deadline: far() }, async () => {
      order.push('write 1 starts');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('write 1 ends');
    });
    const second = admission.run({ writes: true, deadline: far() }, async () => {
      order.push('write 2');
    });
    const read = admission.run({ writes: false, deadline: far() }, async () => {
      order.push('read');
    });
    await read;
    expect(admission.load()).toEqual({ inUse: 1, waiting: 0, writeQueue: 1 });
    releaseFirst();
    await Promise.all([first, second]);
    expect(order.filter((step) => step !== 'read')).toEqual(['write 1 starts', 'write 1 ends', 'write 2']);
    expect(order.indexOf('read')).toBeLessThan(order.indexOf('write 1 ends'));
    expect(admission.load()).toEqual({ inUse: 0, waiting: 0, writeQueue: 0 });
  });

  it('refuses a writer when the line is full, and one that waited too long, with WRITE_BUSY', async () => {
    const admission = new Admission({ writeQueueMax: 1, writeWaitMs: 100 });
    let release!: () => void;
    const holder = admission.run(
      { writes: true, deadline: far() },
      () => new Promise<void>((r) => (release = r)),
    );
    const waiter = admission.run({ writes: true, deadline: far() }, async () => 'ran');
    const refused = admission.run({ writes: true, deadline: far() }, async () => 'ran');
    await expect(refused).rejects.toMatchObject({
      extensions: { code: 'WRITE_BUSY', http: { status: 503, headers: { 'retry-after': '1' } } },
    });
    await expect(waiter).rejects.toThrow(
      'Other writes held the write turn for 100 ms (WRITE_WAIT_TIMEOUT_MS)',
    );
    // The writer that gave up left the line: the next one gets the turn after the holder.
    const next = admission.run({ writes: true, deadline: far() }, async () => 'ran');
    release();
    await holder;
    await expect(next).resolves.toBe('ran');
    expect(admission.load().writeQueue).toBe(0);
  });

  it("waits no longer than the operation's deadline", async () => {
    const admission = new Admission({ writeQueueMax: 5, writeWaitMs: 60_000 });
    let release!: () => void;
    const holder = admission.run(
      { writes: true, deadline: far() },
      () => new Promise<void>((r) => (release = r)),
    );
    const started = Date.now();
    await expect(
      admission.run({ writes: true, deadline: Date.now() + 50 }, async () => 'ran'),
    ).rejects.toMatchObject({ extensions: { code: 'OPERATION_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(5_000);
    release();
    await holder;
  });
});

describe('the pool line', () => {
  it('lets as many operations in as there are connections, and answers DATABASE_BUSY past the acquire timeout', async () => {
    const admission = new Admission({ connections: 2, acquireTimeoutMs: 100 });
    const deadline = Date.now() + 60_000;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = [1, 2].map(() => admission.run({ writes: false, deadline }, () => held));
    const waiter = admission.run({ writes: false, deadline }, async () => 'ran');
    waiter.catch(() => {});
    await sleep(10);
    expect(admission.load()).toEqual({ inUse: 2, waiting: 1, writeQueue: 0 });
    await expect(waiter).rejects.toMatchObject({
      message:
        'Every database connection stayed busy for 100 ms (DATABASE_ACQUIRE_TIMEOUT_MS); the operation did not run. Retrying shortly is safe',
      extensions: { code: 'DATABASE_BUSY', http: { status: 503 } },
    });
    const next = admission.run({ writes: false, deadline }, async () => 'ran');
    release();
    await Promise.all(holders);
    await expect(next).resolves.toBe('ran');
    expect(admission.load()).toEqual({ inUse: 0, waiting: 0, writeQueue: 0 });
  });
});

forEachDriver((database, driver) => {
  let producer: Record<string, string>;
  beforeAll(async () => {
    producer = await producerHeaders();
  });
  beforeEach(() => resetTables(database().db));

  /** The test database, with its own write turn. */
  function withAdmission(options: ConstructorParameters<typeof Admission>[0]): DatabaseConnection {
    const admission = new Admission({ connections: database().admission.options.connections, ...options });
    return { ...database(), admission, load: () => admission.load() };
  }

  it('answers writes past a full line with 503 WRITE_BUSY and writes nothing for them', async () => {
    const connection = withAdmission({ writeQueueMax: 1, writeWaitMs: 5_000 });
    const app = createTestApp(connection);
    // Another write holds the turn: the first request to arrive waits, the others find the line full.
    let release!: () => void;
    const holder = connection.admission.run(
      { writes: true, deadline: Date.now() + 60_000 },
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const requests = [0, 1, 2].map((n) =>
      graphql(app, UPSERT, { trades: [tradeInput(`queued-${n}`)] }, producer),
    );
    // Two are answered at once; the third waits for the turn.
    const refused: GraphQLResult<unknown>[] = [];
    for (const request of requests) void request.then((result) => refused.push(result));
    while (refused.length < 2) await sleep(5);
    expect(connection.load().writeQueue).toBe(1);
    for (const result of refused) {
      expect(result.status).toBe(503);
      expect(errorsOf(result)).toEqual([
        {
          code: 'WRITE_BUSY',
          message:
            '1 writes are already waiting for their turn on this instance (WRITE_QUEUE_MAX); nothing was written. Retrying shortly is safe (upserts are idempotent)',
        },
      ]);
      expect(result.headers.get('retry-after')).toBe('1');
    }
    expect(await database().db.$count(trades)).toBe(0);
    release();
    await holder;
    const answered = await Promise.all(requests);
    expect(answered.filter((result) => result.status === 503).length).toBe(2);
    expect(
      answered.filter((result) => result.status === 200).map((result) => result.data.upsertTrades),
    ).toEqual([{ insertedCount: 1 }]);
    expect(await database().db.$count(trades)).toBe(1);
  });

  it('answers a read that finds every connection busy past the acquire timeout with 503 DATABASE_BUSY', async () => {
    const connection = withAdmission({ acquireTimeoutMs: 200 });
    const app = createTestApp(connection);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = Array.from({ length: connection.admission.options.connections }, () =>
      connection.admission.run({ writes: false, deadline: Date.now() + 60_000 }, () => held),
    );
    database().statements.length = 0;
    const refused = await graphql(app, READ);
    expect(refused.status).toBe(503);
    expect(errorsOf(refused).map((error) => error.code)).toEqual(['DATABASE_BUSY']);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(database().statements).toEqual([]);
    release();
    await Promise.all(holders);
    expect((await graphql(app, READ)).errors).toBeUndefined();
  });

  it('lets no one but a producer take the write turn: an anonymous mutation is refused without waiting', async () => {
    // A second place in the pool line, so that the held turn is all that stands in the way, on PGlite too.
    const connection = withAdmission({ connections: 2, writeQueueMax: 0, writeWaitMs: 5_000 });
    const app = createTestApp(connection);
    let release!: () => void;
    const holder = connection.admission.run(
      { writes: true, deadline: Date.now() + 60_000 },
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const anonymous = await graphql(app, UPSERT, { trades: [tradeInput('anonymous')] });
    expect(errorsOf(anonymous).map((error) => error.code)).toEqual(['FORBIDDEN']);
    // A producer's, behind the held turn with no room in line, is refused at once.
    const producers = await graphql(app, UPSERT, { trades: [tradeInput('producer')] }, producer);
    expect(errorsOf(producers).map((error) => error.code)).toEqual(['WRITE_BUSY']);
    release();
    await holder;
    expect(await database().db.$count(trades)).toBe(0);
  });

  it("stops starting statements once the operation's budget is spent", async () => {
    const started = Date.now();
    const error = await inRoleTransaction(
      database().db,
      { role: 'api_anon', claims: {}, statementTimeoutMs: 5_000, deadline: Date.now() + 200 },
      async (tx) => {
        await tx.select().from(trades);
        await sleep(300);
        await tx.select().from(trades);
        return { value: 'finished', commit: true };
      },
    ).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ extensions: { code: 'OPERATION_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.runIf(driver === 'postgres')('stays ready while every pooled connection is busy', async () => {
    const busy = openPostgres({ url: database().url!, poolMax: 2 });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const transactions = [1, 2].map(() =>
        busy.db.transaction(async (tx) => {
          await tx.select().from(trades);
          await held;
        }),
      );
      await sleep(100);
      const response = await createTestApp(busy).fetch('http://folioql.test/healthz');
      expect(response.status).toBe(200);
      release();
      await Promise.all(transactions);
    } finally {
      await busy.close();
    }
  });

  describe.runIf(driver === 'postgres')('while another instance holds the write lock', () => {
    let otherInstance: postgres.Sql;
    beforeEach(async () => {
      otherInstance = postgres(database().url!, { max: 1, onnotice: () => {} });
      await otherInstance`select pg_advisory_lock(${WRITE_LOCK_KEY})`;
    });
    afterEach(async () => {
      await otherInstance.end({ timeout: 1 });
    });

    it('serves every read at once while writes wait, then refuses the writes with WRITE_BUSY, writing nothing', async () => {
      await database()
        .db.insert(trades)
        .values(trade({ id: 'before' }));
      // The test pool has 5 connections: were writes to hold them while they
      // wait, 8 writers would leave no connection for a read.
      const connection = withAdmission({ writeQueueMax: 16, writeWaitMs: 1_500 });
      const app = createTestApp(connection);
      const writes = Array.from({ length: 8 }, (_, n) =>
        graphql(app, UPSERT, { trades: [tradeInput(`blocked-${n}`)] }, producer),
      );
      await sleep(200);
      // One writer holds a connection, waiting for the lock; the rest wait without one.
      expect(connection.load()).toMatchObject({ inUse: 1, writeQueue: 7 });
      const readStarted = Date.now();
      const reads = await Promise.all(Array.from({ length: 20 }, () => graphql(app, READ)));
      const readMs = Date.now() - readStarted;
      for (const read of reads) expect(read.data.latestTrades).toEqual([{ id: 'before' }]);
      expect(readMs).toBeLessThan(1_500);

      const answered = await Promise.all(writes);
      for (const result of answered) {
        expect(result.status).toBe(503);
        expect(errorsOf(result)[0]?.code).toBe('WRITE_BUSY');
      }
      expect(await database().db.select({ id: trades.id }).from(trades)).toEqual([{ id: 'before' }]);
      expect(connection.load()).toEqual({ inUse: 0, waiting: 0, writeQueue: 0 });
    });

    it('writes once the lock is free again', async () => {
      const app = createTestApp(withAdmission({ writeQueueMax: 16, writeWaitMs: 3_000 }));
      const write = graphql(app, UPSERT, { trades: [tradeInput('after')] }, producer);
      await sleep(200);
      await otherInstance`select pg_advisory_unlock(${WRITE_LOCK_KEY})`;
      const result = await write;
      expect(result.errors).toBeUndefined();
      expect(result.data.upsertTrades.insertedCount).toBe(1);
    });
  });
});
