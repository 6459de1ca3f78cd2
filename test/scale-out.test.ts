/**
 * Scale-out: two instances of the server on one PostgreSQL database, each
 * with its own pool, change feed and listening connection, as two processes
 * behind a load balancer. A write through one reaches the subscribers of
 * the other; a cursor from one resumes on the other; a dropped listening
 * connection loses nothing; a rolled-back write sends nothing; producer-only
 * fields stay producer-only; and the database work per event does not grow
 * with the subscribers.
 *
 * PostgreSQL only (LISTEN/NOTIFY across connections): runs when
 * TEST_DATABASE_URL is set, like the postgres branch of forEachDriver.
 *
 * "Exactly once" is checked without waiting for silence: after the events a
 * test expects, it writes one more (a sentinel) and waits for that; events
 * reach a subscriber in commit order, so a duplicate or a stray event would
 * have come before the sentinel.
 */
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.ts';
import { producerHeaders } from './support/auth.ts';
import { tradeInput } from './support/fixtures.ts';
import {
  adminOf,
  listenerPids,
  post,
  startInstance,
  startTcpGate,
  terminateListeners,
  type TcpGate,
  until,
  type Instance,
} from './support/instances.ts';
import { subscribeSse, type StreamResult } from './support/sse.ts';
import { openTestDatabase, testDrivers, type TestDatabase } from './support/test-database.ts';
import { subscribeWs, untilSubscribers } from './support/ws.ts';

const UPSERT = 'mutation($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount } }';
const TRADES_CHANGED = `subscription($symbol: String, $after: String) {
  tradesChanged(symbol: $symbol, after: $after) { cursor trades { id symbol } deletedIds }
}`;
const HISTORY_CHANGED = `subscription {
  portfolioHistoryChanged(interval: WEEK) { cursor points { id trades { nodes { id } } } }
}`;

interface Closable {
  close(): unknown;
}

/** The trade ids of each event, in order. */
function tradeIdsOf(results: StreamResult[]): string[][] {
  return results.map((result) => {
    expect(result.errors).toBeUndefined();
    return (result.data!.tradesChanged.trades as { id: string }[]).map((trade) => trade.id);
  });
}

/** The log id inside each event's cursor (base64url of "change:<id>"). */
function logIdsOf(results: StreamResult[]): bigint[] {
  return results.map((result) => {
    const cursor = Buffer.from(result.data!.tradesChanged.cursor as string, 'base64url').toString('utf8');
    return BigInt(/^change:(\d+)$/.exec(cursor)![1]!);
  });
}

function expectIncreasing(ids: bigint[]) {
  for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
}

describe.runIf(testDrivers.includes('postgres'))('two instances on one PostgreSQL database', () => {
  let database: TestDatabase | undefined;
  let admin: postgres.Sql | undefined;
  /** In front of the listening connections only: the pools connect straight. */
  let gate: TcpGate | undefined;
  let a: Instance;
  let b: Instance;
  let producer: Record<string, string>;
  /** Subscriptions a test opened: closed after it (and again, harmlessly, after all). */
  let open: Closable[] = [];

  /** Writes one operation of trades of `symbol` through `instance`. */
  async function write(
    instance: Instance,
    symbol: string,
    ids: string[],
    overrides: Record<string, unknown> = {},
  ) {
    const result = await post(
      instance.url,
      UPSERT,
      { trades: ids.map((id) => tradeInput(id, { symbol, ...overrides })) },
      producer,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ upsertTrades: { insertedCount: ids.length } });
  }

  function sse(instance: Instance, query: string, variables: Record<string, unknown> = {}, headers = {}) {
    return subscribeSse(globalThis.fetch, instance.url, query, variables, headers).then((subscription) => {
      open.push(subscription);
      return subscription;
    });
  }

  function ws(instance: Instance, query: string, variables: Record<string, unknown> = {}, params = {}) {
    const subscription = subscribeWs(instance.wsUrl, query, variables, params);
    open.push(subscription);
    return subscription;
  }

  async function closeSubscriptions() {
    const closing = open;
    open = [];
    await Promise.all(closing.map((subscription) => subscription.close()));
    // Each test starts with no subscriber on either instance, so counts mean what they say.
    for (const instance of [a, b].filter(Boolean)) {
      await until('the subscribers to leave', () => instance.app.changeFeed.subscriberCount === 0);
    }
  }

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    admin = adminOf(database.url!);
    producer = await producerHeaders();
    // Two processes' worth: separate pools, feeds and listening connections.
    gate = await startTcpGate(database.url!);
    a = await startInstance(database.url!, gate.urlThrough(database.url!));
    b = await startInstance(database.url!, gate.urlThrough(database.url!));
  });

  afterEach(closeSubscriptions);

  afterAll(async () => {
    await Promise.all(open.map((subscription) => subscription.close()));
    gate?.release();
    await Promise.allSettled([a?.close(), b?.close()]);
    await gate?.close();
    await admin?.end({ timeout: 1 });
    await database?.close();
  });

  it('sends a batch written through A to subscribers on B, over SSE and graphql-ws, each event once', async () => {
    const symbol = 'ONE/USD';
    const overSse = await sse(b, TRADES_CHANGED, { symbol });
    const overWs = ws(b, TRADES_CHANGED, { symbol });
    await untilSubscribers(b.app.changeFeed, 2);
    expect(a.app.changeFeed.subscriberCount).toBe(0);

    const batch = [['t1-a', 't1-b'], ['t1-c'], ['t1-d', 't1-e', 't1-f'], ['t1-g'], ['t1-h', 't1-i']];
    for (const ids of batch) await write(a, symbol, ids);
    await write(a, symbol, ['t1-sentinel']);

    for (const subscription of [overSse, overWs]) {
      const results = await subscription.waitFor(batch.length + 1);
      expect(tradeIdsOf(results)).toEqual([...batch, ['t1-sentinel']]);
      expect(subscription.results).toHaveLength(batch.length + 1);
      expectIncreasing(logIdsOf(results));
    }
    expect(overWs.failures).toEqual([]);
    // Both transports saw the same events, with the same cursors.
    expect(overSse.results.map((r) => r.data!.tradesChanged.cursor)).toEqual(
      overWs.results.map((r) => r.data!.tradesChanged.cursor),
    );
  });

  it('resumes on B from a cursor received on A: the events missed, in order, then live ones', async () => {
    const symbol = 'TWO/USD';
    const onA = await sse(a, TRADES_CHANGED, { symbol });
    await untilSubscribers(a.app.changeFeed, 1);
    await write(a, symbol, ['t2-0']);
    const [received] = await onA.waitFor(1);
    expect(tradeIdsOf([received!])).toEqual([['t2-0']]);
    const cursor = received!.data!.tradesChanged.cursor as string;
    onA.close();
    await until('A to drop the subscriber', () => a.app.changeFeed.subscriberCount === 0);

    // Written while the client is away.
    for (const id of ['t2-1', 't2-2', 't2-3']) await write(a, symbol, [id]);

    const onB = await sse(b, TRADES_CHANGED, { symbol, after: cursor });
    const replayed = await onB.waitFor(3);
    expect(tradeIdsOf(replayed)).toEqual([['t2-1'], ['t2-2'], ['t2-3']]);
    await untilSubscribers(b.app.changeFeed, 1);

    await write(a, symbol, ['t2-live']);
    const results = await onB.waitFor(4);
    expect(tradeIdsOf(results)).toEqual([['t2-1'], ['t2-2'], ['t2-3'], ['t2-live']]);
    await write(a, symbol, ['t2-sentinel']);
    await onB.waitFor(5);
    expect(tradeIdsOf(onB.results)).toEqual([['t2-1'], ['t2-2'], ['t2-3'], ['t2-live'], ['t2-sentinel']]);
    expectIncreasing(logIdsOf([received!, ...onB.results]));
  });

  it('loses nothing written while the listening connections are down: every event, in order, once', async () => {
    const symbol = 'THREE/USD';
    const overSse = await sse(b, TRADES_CHANGED, { symbol });
    const overWs = ws(b, TRADES_CHANGED, { symbol });
    await untilSubscribers(b.app.changeFeed, 2);

    // Both instances listen by now (A since the test before): one connection each.
    const before = await listenerPids(admin!);
    expect(before).toHaveLength(2);
    // They cannot come back until the gate lets them, so the writes below
    // surely land while no one listens (the pools connect straight).
    gate!.hold();
    // Both instances' listeners share an application_name: end both, and both must recover.
    expect((await terminateListeners(admin!)).sort((x, y) => x - y)).toEqual(before);
    await until('the listeners to be gone', async () => (await listenerPids(admin!)).length === 0);

    // Before the listeners are back: these NOTIFYs reach no one.
    const missed = ['t3-1', 't3-2', 't3-3'];
    for (const id of missed) await write(a, symbol, [id]);
    expect(await listenerPids(admin!)).toEqual([]);

    gate!.release();
    await until('both instances to listen again', async () => {
      const now = await listenerPids(admin!);
      return now.length === 2 && now.every((pid) => !before.includes(pid));
    });
    // And live again through LISTEN.
    await write(a, symbol, ['t3-live']);
    await write(a, symbol, ['t3-sentinel']);

    const expected = [...missed, 't3-live', 't3-sentinel'].map((id) => [id]);
    for (const subscription of [overSse, overWs]) {
      const results = await subscription.waitFor(expected.length, 10_000);
      expect(tradeIdsOf(results)).toEqual(expected);
      expect(subscription.results).toHaveLength(expected.length);
      expectIncreasing(logIdsOf(results));
    }
    expect(overWs.failures).toEqual([]);

    // A recovered too: a subscriber there, resuming after the sentinel, gets
    // the next write. (With no cursor it could also get an event committed
    // just before it joined, while A was still catching up.)
    const sentinel = overSse.results.at(-1)!.data!.tradesChanged.cursor as string;
    const onA = await sse(a, TRADES_CHANGED, { symbol, after: sentinel });
    await untilSubscribers(a.app.changeFeed, 1);
    await write(b, symbol, ['t3-through-b']);
    expect(tradeIdsOf(await onA.waitFor(1))).toEqual([['t3-through-b']]);
  });

  it('sends nothing of a rolled-back operation to either instance; the next good write is the next event', async () => {
    const symbol = 'FOUR/USD';
    const onA = await sse(a, TRADES_CHANGED, { symbol });
    const onB = ws(b, TRADES_CHANGED, { symbol });
    await untilSubscribers(a.app.changeFeed, 1);
    await untilSubscribers(b.app.changeFeed, 1);

    // The first field writes; the second fails (the same id twice), so the operation keeps nothing.
    const rolledBack = await post(
      a.url,
      `mutation($good: [TradeInput!]!, $bad: [TradeInput!]!) {
        good: upsertTrades(trades: $good) { insertedCount }
        bad: upsertTrades(trades: $bad) { insertedCount }
      }`,
      {
        good: [tradeInput('t4-rolled-back', { symbol })],
        bad: [tradeInput('t4-twice', { symbol }), tradeInput('t4-twice', { symbol })],
      },
      producer,
    );
    expect(rolledBack.data).toBeNull();
    expect(rolledBack.errors?.map((error) => error.extensions?.code)).toEqual([ERROR_CODES.BAD_USER_INPUT]);
    const [stored] = await admin!<{ count: number }[]>`
      select count(*)::int as count from trades where id in ('t4-rolled-back', 't4-twice')`;
    expect(stored!.count).toBe(0);

    await write(a, symbol, ['t4-good']);
    await write(b, symbol, ['t4-sentinel']);
    for (const subscription of [onA, onB]) {
      const results = await subscription.waitFor(2);
      expect(tradeIdsOf(results)).toEqual([['t4-good'], ['t4-sentinel']]);
      expect(subscription.results).toHaveLength(2);
    }
  });

  it('keeps producer-only fields from anonymous subscribers on B, and sends them to producers', async () => {
    const anonymous = await sse(b, HISTORY_CHANGED);
    const asProducer = ws(b, HISTORY_CHANGED, {}, { authorization: producer.authorization });
    await untilSubscribers(b.app.changeFeed, 2);

    // Trades inside one week from the point's start, on its market.
    const start = 1_600_000_000_000;
    await write(a, 'FIVE/USD', ['t5-1'], { timestamp: start + 1_000 });
    await write(a, 'FIVE/USD', ['t5-2'], { timestamp: start + 2_000 });
    const point = await post(
      a.url,
      'mutation($points: [PortfolioHistoryInput!]!) { upsertPortfolioHistory(points: $points) { __typename } }',
      { points: [{ timestamp: start, market: 'KRAKEN', interval: 'WEEK', usdTotalValue: '100000' }] },
      producer,
    );
    expect(point.errors).toBeUndefined();

    const [produced] = await asProducer.waitFor(1);
    expect(produced!.errors).toBeUndefined();
    const points = produced!.data!.portfolioHistoryChanged.points as {
      trades: { nodes: { id: string }[] };
    }[];
    expect(points).toHaveLength(1);
    expect(points[0]!.trades.nodes.map((trade) => trade.id).sort()).toEqual(['t5-1', 't5-2']);

    const [seen] = await anonymous.waitFor(1);
    expect(seen!.errors?.map((error) => error.extensions?.code)).toContain(ERROR_CODES.FORBIDDEN);
    expect(seen!.errors!.every((error) => error.extensions?.code === ERROR_CODES.FORBIDDEN)).toBe(true);
    expect(seen!.errors!.some((error) => error.path?.includes('trades'))).toBe(true);
    expect(JSON.stringify(seen)).not.toMatch(/t5-/);
    // Nothing else came, with the trades or otherwise.
    expect(JSON.stringify(anonymous.results)).not.toMatch(/t5-/);
  });

  it('does the same database work per event on B for 1 subscriber as for 30', async () => {
    const feed = b.app.changeFeed;

    /** Statements B's feed sends per event with `count` subscribers (the least of three events). */
    async function statementsPerEvent(count: number, symbol: string): Promise<number> {
      const subscriptions = Array.from({ length: count }, () => ws(b, TRADES_CHANGED, { symbol }));
      await untilSubscribers(feed, count);
      const perEvent: number[] = [];
      for (let event = 1; event <= 3; event++) {
        const before = feed.statements;
        await write(a, symbol, [`${symbol}-${event}`]);
        await Promise.all(subscriptions.map((subscription) => subscription.waitFor(event)));
        perEvent.push(feed.statements - before);
      }
      for (const subscription of subscriptions) {
        expect(tradeIdsOf(subscription.results)).toEqual([1, 2, 3].map((event) => [`${symbol}-${event}`]));
      }
      await closeSubscriptions();
      return Math.min(...perEvent);
    }

    const one = await statementsPerEvent(1, 'SIX1/USD');
    const thirty = await statementsPerEvent(30, 'SIX30/USD');
    expect(one).toBeGreaterThan(0);
    expect(thirty).toBe(one);
  });
});
