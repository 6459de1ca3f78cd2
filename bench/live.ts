/**
 * LIVE: subscriptions across two instances. Two folioql processes on the
 * benchmark's database, subscribers spread over both (most over graphql-ws,
 * one socket each as browser tabs would open them, the rest over SSE), and a
 * producer writing batches of new trades to instance A, one after another.
 *
 * Reported: every subscriber's events (each must get each batch once),
 * delivery latency from commit (`committedAt`, the database's clock, same
 * machine) to receipt here, and from each instance's Prometheus metrics its
 * change events, the statements its change feed sent (per event: they must
 * not grow with subscribers, so a small pass is run beside the large one)
 * and its CPU per delivered event. The subscribers run in this process, on
 * the same cores as the servers: their CPU is reported too.
 *
 * Run by bench/run.ts (`npm run bench:live` is `npm run bench -- --only LIVE`),
 * which creates the database and lends its way of starting folioql.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import postgres from 'postgres';
import WebSocket from 'ws';
import { HISTORY_END, SYMBOLS } from './seed.ts';
import { UPSERT_MUTATION, type TradeInputJson } from './workloads.ts';

export interface LivePlan {
  subscribers: number;
  batches: number;
  /** Of the subscribers, this share subscribes over SSE; the rest over graphql-ws. */
  sseShare: number;
}

/** Pause between two batches of the producer, after the previous one was answered. */
export const LIVE_PAUSE_MS = 0;
export const LIVE_BATCH = 100;
/** How long the subscribers may take to receive the last batch once it is written. */
const DRAIN_TIMEOUT_MS = 60_000;
const SUBSCRIBE_TIMEOUT_MS = 60_000;

export const SUBSCRIPTION =
  'subscription { tradesChanged { cursor committedAt trades { id timestamp symbol isBuy amount price usdValue } } }';

interface Started {
  origin: string;
  child: ChildProcess;
}

export interface LiveDeps {
  /** Starts one folioql process on the benchmark's database with these extra variables. */
  startFolioql(name: string, env: Record<string, string>): Promise<Started>;
  stop(server: Started): Promise<void>;
  producerToken: string;
  /** The benchmark's database: its backends' CPU is read from /proc. */
  databaseUrl: string;
  freePort(): Promise<number>;
  log(message: string): void;
}

interface Instance extends Started {
  name: 'A' | 'B';
  metricsUrl: string;
}

interface InstanceFigures {
  subscribers: number;
  deliveries: number;
  changeEvents: number;
  statements: number;
  statementsPerEvent: number;
  cpuSeconds: number;
  cpuMsPerDelivery: number;
}

export interface LivePassResult {
  subscribers: number;
  overWebSocket: number;
  overSse: number;
  batches: number;
  tradesPerBatch: number;
  pauseMs: number;
  deliveries: number;
  expectedDeliveries: number;
  subscribersComplete: number;
  missing: number;
  duplicates: number;
  foreign: number;
  wrongSize: number;
  streamErrors: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  writeSeconds: number;
  /** From the first write to the last delivery. */
  wallSeconds: number;
  deliveriesPerSecond: number;
  instances: Record<'A' | 'B', InstanceFigures>;
  benchProcess: { cpuSeconds: number; cpuMsPerDelivery: number };
  /**
   * The whole machine over the same window (from the first write to the last
   * delivery and 300 ms more): busy CPU seconds, their share of all cores,
   * the benchmark database's backends, and the rest (neither instance, the
   * bench process nor those backends: other work on the machine).
   */
  machine: { busySeconds: number; busyShare: number; postgresSeconds: number; othersSeconds: number };
}

export interface LiveResult {
  transports: string;
  producer: string;
  small: LivePassResult;
  large: LivePassResult;
}

/** One subscriber's view: how many times each batch of the pass arrived. */
interface Subscriber {
  instance: 'A' | 'B';
  counts: Uint16Array;
  /** Messages of this pass received, for the one-in-ten full parse. */
  received: number;
  foreign: number;
  wrongSize: number;
  errors: string[];
  close(): void;
}

/** The figures every subscriber adds to. */
interface Tally {
  latencies: number[];
  lastReceipt: number;
  deliveries: Record<'A' | 'B', number>;
}

async function scrape(instance: Instance): Promise<Map<string, number>> {
  const response = await fetch(instance.metricsUrl, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match =
      /^(folioql_subscriptions|folioql_change_events_total|folioql_live_statements_total|process_cpu_seconds_total)(?:\{[^}]*\})? (\S+)/.exec(
        line,
      );
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat, USER_HZ 100). */
function machineCpu(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = fields[3]! + fields[4]!;
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** CPU seconds so far of each PostgreSQL backend connected to the benchmark's database. */
async function backendCpu(sql: postgres.Sql): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // utime and stime, fields 14 and 15, after the command name in parentheses.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // Gone, or not on this machine.
    }
  }
  return cpu;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`LIVE: waited ${timeoutMs / 1000} s for ${what}`);
    await sleep(100);
  }
}

/** The batch an event carries, by its first trade's id (`L<pass>-<batch>-<i>`), or undefined if foreign. */
function batchOf(firstTradeId: string | undefined, pass: number): number | undefined {
  const match = /^L(\d+)-(\d+)-/.exec(firstTradeId ?? '');
  return match && Number(match[1]) === pass ? Number(match[2]) : undefined;
}

/** Every this many messages a subscriber parses one in full and checks it against the light scan. */
const FULL_PARSE_EVERY = 10;

/**
 * One `next` message's result, as received. The load generator runs 1,000
 * subscribers on the servers' two cores, so it reads each message with a
 * light scan rather than a full JSON.parse (a browser tab parses only its
 * own): the first trade's id (its batch), the number of trades, committedAt
 * and any errors; one message in ten is parsed in full and must agree.
 */
function receive(subscriber: Subscriber, tally: Tally, pass: number, receivedAt: number, result: string) {
  if (result.includes('"errors":')) {
    subscriber.errors.push(result.slice(0, 300));
    return;
  }
  const firstId = /"trades":\[\{"id":"([^"]*)"/.exec(result)?.[1];
  const committedAt = /"committedAt":"([^"]*)"/.exec(result)?.[1];
  const batch = batchOf(firstId, pass);
  if (batch === undefined || batch >= subscriber.counts.length || !committedAt) {
    subscriber.foreign++;
    return;
  }
  const trades = result.split('{"id":"').length - 1;
  if (++subscriber.received % FULL_PARSE_EVERY === 0) {
    const parsed = JSON.parse(result) as {
      data: { tradesChanged: { committedAt: string; trades: { id: string }[] } };
    };
    const event = parsed.data.tradesChanged;
    if (
      event.committedAt !== committedAt ||
      event.trades[0]?.id !== firstId ||
      event.trades.length !== trades
    ) {
      subscriber.errors.push('the light scan disagrees with JSON.parse');
    }
  }
  if (trades !== LIVE_BATCH) subscriber.wrongSize++;
  subscriber.counts[batch]!++;
  tally.latencies.push(receivedAt - Date.parse(committedAt));
  tally.lastReceipt = receivedAt;
  tally.deliveries[subscriber.instance]++;
}

/** A subscriber of `instance` that has received nothing yet, expecting `batches` events. */
function newSubscriber(instance: Instance, batches: number, close: () => void): Subscriber {
  return {
    instance: instance.name,
    counts: new Uint16Array(batches),
    received: 0,
    foreign: 0,
    wrongSize: 0,
    errors: [],
    close,
  };
}

/**
 * A graphql-ws subscriber on a socket of its own, speaking the
 * graphql-transport-ws protocol directly (as graphql-ws's client does), so
 * the receipt time is taken as the message arrives.
 */
function subscribeWs(instance: Instance, tally: Tally, pass: number, batches: number): Subscriber {
  const socket = new WebSocket(instance.origin.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
  const subscriber = newSubscriber(instance, batches, () => socket.close(1000));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
  socket.on('message', (data) => {
    const receivedAt = Date.now();
    const text = data.toString();
    const prefix = '{"id":"1","type":"next","payload":';
    if (text.startsWith(prefix)) {
      receive(subscriber, tally, pass, receivedAt, text.slice(prefix.length, -1));
    } else if (text.includes('"connection_ack"')) {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
    } else if (text.includes('"ping"')) {
      socket.send(JSON.stringify({ type: 'pong' }));
    } else if (!text.includes('"complete"')) {
      subscriber.errors.push(text.slice(0, 300));
    }
  });
  socket.on('error', (error) => subscriber.errors.push(describe(error)));
  return subscriber;
}

function subscribeSse(instance: Instance, tally: Tally, pass: number, batches: number): Subscriber {
  const abort = new AbortController();
  const subscriber = newSubscriber(instance, batches, () => abort.abort());
  void (async () => {
    const response = await fetch(`${instance.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
      signal: abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`SSE answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const receivedAt = Date.now();
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!/^event: next$/m.test(message)) continue;
        const data = message
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (data) receive(subscriber, tally, pass, receivedAt, data);
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) subscriber.errors.push(describe(error));
  });
  return subscriber;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string };
  if (close && typeof close.code === 'number') return `socket closed ${close.code} ${close.reason ?? ''}`;
  return String(error).slice(0, 300);
}

function batchOfTrades(pass: number, batch: number): TradeInputJson[] {
  return Array.from({ length: LIVE_BATCH }, (_, i) => {
    const base = SYMBOLS[i % SYMBOLS.length]!;
    return {
      id: `L${pass}-${batch}-${i}`,
      timestamp: HISTORY_END + pass * 1_000_000 + batch * 1_000 + i,
      market: 'KRAKEN',
      symbol: `${base}/USD`,
      baseAsset: base,
      quoteAsset: 'USD',
      isBuy: i % 2 === 0,
      amount: `${1 + (i % 50)}.000000000000000123`,
      price: `${100 + batch}.250000000000000001`,
      usdValue: `${(1 + (i % 50)) * (100 + batch)}.5`,
    };
  });
}

async function write(instance: Instance, token: string, trades: TradeInputJson[]): Promise<void> {
  const response = await fetch(`${instance.origin}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: UPSERT_MUTATION, variables: { trades } }),
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await response.json()) as {
    data?: { upsertTrades: { insertedCount: number } };
    errors?: unknown;
  };
  if (!response.ok || json.errors || json.data?.upsertTrades.insertedCount !== trades.length) {
    throw new Error(`LIVE: a batch was answered ${response.status}: ${JSON.stringify(json).slice(0, 300)}`);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runPass(
  instances: Instance[],
  sql: postgres.Sql,
  deps: LiveDeps,
  pass: number,
  plan: LivePlan,
): Promise<LivePassResult> {
  const { log } = deps;
  const overSse = Math.round(plan.subscribers * plan.sseShare);
  log(
    `LIVE pass ${pass}: ${plan.subscribers} subscribers (${plan.subscribers - overSse} graphql-ws, ${overSse} SSE) over 2 instances, ${plan.batches} batches of ${LIVE_BATCH} trades${pass === 0 ? ' (warm-up, not reported)' : ''}`,
  );
  const tally: Tally = { latencies: [], lastReceipt: 0, deliveries: { A: 0, B: 0 } };
  const subscribers: Subscriber[] = [];
  try {
    // Alternating instances; SSE ones spread evenly among them.
    const sseEvery = overSse ? plan.subscribers / overSse : Infinity;
    let sseOpened = 0;
    for (let i = 0; i < plan.subscribers; i++) {
      const instance = instances[i % 2]!;
      const sse = sseOpened < overSse && i >= Math.round(sseOpened * sseEvery);
      if (sse) sseOpened++;
      subscribers.push((sse ? subscribeSse : subscribeWs)(instance, tally, pass, plan.batches));
      // Opened in steps, so the servers are not handed a thousand handshakes at once.
      if (i % 50 === 49) await sleep(20);
    }
    const perInstance = { A: 0, B: 0 };
    for (const subscriber of subscribers) perInstance[subscriber.instance]++;
    await until(
      'every subscription to be served',
      async () => {
        const failed = subscribers.find((subscriber) => subscriber.errors.length);
        if (failed) throw new Error(`LIVE: a subscription failed: ${failed.errors[0]}`);
        const gauges = await Promise.all(
          instances.map(async (i) => (await scrape(i)).get('folioql_subscriptions')),
        );
        return instances.every((instance, n) => gauges[n] === perInstance[instance.name]);
      },
      SUBSCRIBE_TIMEOUT_MS,
    );
    log(`  subscribed: A ${perInstance.A}, B ${perInstance.B}; writing`);

    const before = await Promise.all(instances.map(scrape));
    const benchCpuBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const backendsBefore = await backendCpu(sql);
    const started = Date.now();
    const writer = instances[0]!;
    for (let batch = 0; batch < plan.batches; batch++) {
      await write(writer, deps.producerToken, batchOfTrades(pass, batch));
      if (LIVE_PAUSE_MS) await sleep(LIVE_PAUSE_MS);
    }
    const written = Date.now();
    const expected = plan.subscribers * plan.batches;
    await until(
      `every subscriber to receive all ${plan.batches} events`,
      () => tally.latencies.length >= expected,
      DRAIN_TIMEOUT_MS,
    ).catch((error: Error) => log(`  ${error.message}; reporting what arrived`));
    // A moment for duplicates or strays to show, then the counters.
    await sleep(300);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const machineAfter = machineCpu();
    const backendsAfter = await backendCpu(sql);
    // Backends there at both ends (the pools' and the listeners'); one that came and went is missed.
    let postgresSeconds = 0;
    for (const [pid, seconds] of backendsAfter)
      postgresSeconds += seconds - (backendsBefore.get(pid) ?? seconds);
    const after = await Promise.all(instances.map(scrape));

    const sorted = Float64Array.from(tally.latencies).sort();
    const latencies = Array.from(sorted);
    const deliveries = tally.latencies.length;
    const figures = {} as Record<'A' | 'B', InstanceFigures>;
    instances.forEach((instance, n) => {
      const delta = (name: string) => (after[n]!.get(name) ?? NaN) - (before[n]!.get(name) ?? NaN);
      const changeEvents = delta('folioql_change_events_total');
      const statements = delta('folioql_live_statements_total');
      const cpuSeconds = delta('process_cpu_seconds_total');
      const delivered = tally.deliveries[instance.name];
      figures[instance.name] = {
        subscribers: perInstance[instance.name],
        deliveries: delivered,
        changeEvents,
        statements,
        statementsPerEvent: statements / changeEvents,
        cpuSeconds,
        cpuMsPerDelivery: (cpuSeconds * 1000) / delivered,
      };
    });
    let missing = 0;
    let duplicates = 0;
    let complete = 0;
    for (const subscriber of subscribers) {
      let whole = true;
      for (const count of subscriber.counts) {
        if (count === 0) {
          missing++;
          whole = false;
        } else if (count > 1) {
          duplicates += count - 1;
          whole = false;
        }
      }
      if (whole) complete++;
    }
    const benchCpuSeconds = (benchCpu.user + benchCpu.system) / 1e6;
    const wallSeconds = (Math.max(tally.lastReceipt, written) - started) / 1000;
    const machineBusy = machineAfter.busy - machineBefore.busy;
    const serversCpu = figures.A.cpuSeconds + figures.B.cpuSeconds;
    return {
      subscribers: plan.subscribers,
      overWebSocket: plan.subscribers - overSse,
      overSse,
      batches: plan.batches,
      tradesPerBatch: LIVE_BATCH,
      pauseMs: LIVE_PAUSE_MS,
      deliveries,
      expectedDeliveries: expected,
      subscribersComplete: complete,
      missing,
      duplicates,
      foreign: subscribers.reduce((sum, s) => sum + s.foreign, 0),
      wrongSize: subscribers.reduce((sum, s) => sum + s.wrongSize, 0),
      streamErrors: subscribers.reduce((sum, s) => sum + s.errors.length, 0),
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? NaN,
      },
      writeSeconds: (written - started) / 1000,
      wallSeconds,
      deliveriesPerSecond: deliveries / wallSeconds,
      instances: figures,
      benchProcess: { cpuSeconds: benchCpuSeconds, cpuMsPerDelivery: (benchCpuSeconds * 1000) / deliveries },
      machine: {
        busySeconds: machineBusy,
        busyShare: machineBusy / (machineAfter.total - machineBefore.total),
        postgresSeconds,
        othersSeconds: machineBusy - serversCpu - benchCpuSeconds - postgresSeconds,
      },
    };
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    // The next pass counts from no subscribers.
    await until(
      'the subscriptions to end',
      async () =>
        (await Promise.all(instances.map(scrape))).every((m) => m.get('folioql_subscriptions') === 0),
      10_000,
    ).catch((error: Error) => log(`  ${error.message}`));
  }
}

export async function runLiveWorkload(
  deps: LiveDeps,
  plans: { small: LivePlan; large: LivePlan },
): Promise<LiveResult> {
  const instances: Instance[] = [];
  const sql = postgres(deps.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    for (const name of ['A', 'B'] as const) {
      const metricsPort = await deps.freePort();
      const started = await deps.startFolioql(`folioql ${name}`, { METRICS_PORT: String(metricsPort) });
      instances.push({ ...started, name, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` });
    }
    // A pass not reported warms both instances up (JIT, pools, prepared statements).
    await runPass(instances, sql, deps, 0, plans.small);
    const small = await runPass(instances, sql, deps, 1, plans.small);
    const large = await runPass(instances, sql, deps, 2, plans.large);
    return {
      transports:
        'graphql-ws: one socket per subscriber (graphql-transport-ws spoken directly); SSE: one POST with Accept: text/event-stream per subscriber; anonymous; each message read by a light scan, one in ten parsed in full',
      producer: `upsertTrades of ${LIVE_BATCH} new trades to instance A, one after another${LIVE_PAUSE_MS ? `, ${LIVE_PAUSE_MS} ms apart` : ''}`,
      small,
      large,
    };
  } finally {
    for (const instance of instances) await deps.stop(instance);
    await sql.end();
  }
}

export function liveTable(result: LiveResult): string {
  const passes = [result.small, result.large];
  const rows: string[][] = [
    ['', ...passes.map((p) => `${p.subscribers} subscribers, ${p.batches} batches`)],
    ['transports (ws / SSE)', ...passes.map((p) => `${p.overWebSocket} / ${p.overSse}`)],
    ['deliveries (got / expected)', ...passes.map((p) => `${p.deliveries} / ${p.expectedDeliveries}`)],
    [
      'subscribers with every event once',
      ...passes.map((p) => `${p.subscribersComplete} / ${p.subscribers}`),
    ],
    [
      'missing / duplicate / stray / errors',
      ...passes.map((p) => `${p.missing} / ${p.duplicates} / ${p.foreign + p.wrongSize} / ${p.streamErrors}`),
    ],
    [
      'latency ms p50 / p95 / p99 / max',
      ...passes.map((p) => [p.latencyMs.p50, p.latencyMs.p95, p.latencyMs.p99, p.latencyMs.max].join(' / ')),
    ],
    [
      'writing s / until last delivery s',
      ...passes.map((p) => `${p.writeSeconds.toFixed(2)} / ${p.wallSeconds.toFixed(2)}`),
    ],
    ['deliveries/s', ...passes.map((p) => p.deliveriesPerSecond.toFixed(0))],
  ];
  for (const name of ['A', 'B'] as const) {
    rows.push(
      [
        `${name}: change events / feed statements`,
        ...passes.map((p) => `${p.instances[name].changeEvents} / ${p.instances[name].statements}`),
      ],
      [
        `${name}: statements per event`,
        ...passes.map((p) => p.instances[name].statementsPerEvent.toFixed(2)),
      ],
      [
        `${name}: CPU s / ms per delivery`,
        ...passes.map(
          (p) =>
            `${p.instances[name].cpuSeconds.toFixed(2)} / ${p.instances[name].cpuMsPerDelivery.toFixed(3)}`,
        ),
      ],
    );
  }
  rows.push([
    'bench process CPU s / ms per delivery',
    ...passes.map(
      (p) => `${p.benchProcess.cpuSeconds.toFixed(2)} / ${p.benchProcess.cpuMsPerDelivery.toFixed(3)}`,
    ),
  ]);
  rows.push([
    `machine CPU s busy (of ${os.cpus().length} cores) / PostgreSQL / rest`,
    ...passes.map(
      (p) =>
        `${p.machine.busySeconds.toFixed(1)} (${(p.machine.busyShare * 100).toFixed(0)}%) / ${p.machine.postgresSeconds.toFixed(1)} / ${p.machine.othersSeconds.toFixed(1)}`,
    ),
  ]);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n');
}
