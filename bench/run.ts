/**
 * `npm run bench [-- --quick] [-- --only W1,W2] [-- --cpu-prof]`: folioql
 * against a raw node:http + postgres.js server running the same SQL, in one
 * run, on a database the benchmark creates and drops.
 *
 * Each workload is run on the baseline and on folioql in turn (A B A B …),
 * after a warm-up of each, so drift of the machine falls on both alike; the
 * table gives medians over the rounds and folioql/baseline ratios. Results go
 * to bench/results/<time>.json. Not part of the tests: nothing here asserts.
 *
 * LIVE (bench/live.ts; alone: `npm run bench:live`) runs last, once the pair
 * is stopped: two folioql instances, subscribers over both, a producer.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { mintToken } from '../src/auth/mint-token.ts';
import { openPostgres } from '../src/db/database.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { liveTable, runLiveWorkload, type LivePlan, type LiveResult } from './live.ts';
import { seed, TRADE_COUNT } from './seed.ts';
import { countStatements } from './statements.ts';
import { READ_WORKLOADS, UPSERT_BATCH, upsertRequests, type HttpRequest, type Tokens } from './workloads.ts';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

/** Full run about 6 minutes; --quick about 1 minute. */
const plan = options.quick
  ? { rounds: 2, seconds: 3, warmUpSeconds: 1, upsertBatches: 1, producers: 20 }
  : { rounds: 4, seconds: 8, warmUpSeconds: 4, upsertBatches: 3, producers: 20 };
/** LIVE: two instances, subscribers spread over both, a producer writing 100-trade batches (bench/live.ts). */
const livePlans: { small: LivePlan; large: LivePlan } = options.quick
  ? {
      small: { subscribers: 10, batches: 10, sseShare: 0.2 },
      large: { subscribers: 200, batches: 20, sseShare: 0.1 },
    }
  : {
      small: { subscribers: 10, batches: 10, sseShare: 0.2 },
      large: { subscribers: 1000, batches: 100, sseShare: 0.1 },
    };
/** W6 reads at a steady rate, so its latencies are a reader's, not those of a saturated server. */
const W6_READS_PER_SECOND = 200;
const CONNECTIONS = 10;
/** folioql as production runs it: the compiled server, built first if stale (src/scripts/build.mjs). */
const FOLIOQL_ENTRY = ['dist/index.js'];
const only = options.only?.split(',').map((name) => name.trim().toUpperCase());
const selected = (name: string) => !only || only.includes(name);

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'bench', 'results');
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = `folioql_bench_${Date.now()}`;
const benchUrl = withDatabase(adminUrl, databaseName);
const jwtSecret = 'bench-secret-'.padEnd(48, 'x');

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ServerProcess {
  name: string;
  origin: string;
  child: ChildProcess;
}

async function startServer(
  name: ServerProcess['name'],
  args: string[],
  env: Record<string, string>,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} while starting`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return { name, origin, child };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become ready within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stopServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/** Samples the process's resident set every 50 ms; `stop` gives the largest seen, in MB. */
function watchRss(pid: number) {
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch {
      // The process has gone; keep what was seen.
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

async function send(origin: string, request: HttpRequest): Promise<unknown> {
  const response = await fetch(origin + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const json = (await response.json()) as { data?: unknown; errors?: unknown };
  if (!response.ok || json.errors) {
    throw new Error(
      `${origin}${request.path} answered ${response.status}: ${JSON.stringify(json).slice(0, 500)}`,
    );
  }
  return json.data;
}

interface RunFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
}

/** `request` sent over CONNECTIONS connections for `seconds`: as fast as answered, or `overallRate` a second. */
function cannon(origin: string, request: HttpRequest, seconds: number, overallRate?: number) {
  return autocannon({
    url: origin + request.path,
    method: request.method,
    headers: request.headers,
    body: request.body,
    connections: CONNECTIONS,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
  });
}

async function load(server: ServerProcess, request: HttpRequest, seconds: number): Promise<RunFigures> {
  const rss = watchRss(server.child.pid!);
  const result = await cannon(server.origin, request, seconds);
  const peakRssMb = rss.stop();
  if (result.non2xx || result.errors) {
    throw new Error(
      `${server.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`,
    );
  }
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    peakRssMb,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Summary {
  rate: number;
  p50Ms?: number;
  p99Ms?: number;
  peakRssMb: number;
  rounds: number[];
}

function summarize(runs: RunFigures[]): Summary {
  return {
    rate: median(runs.map((run) => run.requestsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    peakRssMb: Math.max(...runs.map((run) => run.peakRssMb)),
    rounds: runs.map((run) => Math.round(run.requestsPerSecond)),
  };
}

interface WorkloadResult {
  name: string;
  title: string;
  unit: 'req/s' | 'rows/s';
  baseline: Summary;
  folioql: Summary;
  ratio: number;
  statementsPerRequest?: number;
}

async function runReadWorkload(
  servers: { baseline: ServerProcess; folioql: ServerProcess },
  workload: (typeof READ_WORKLOADS)[number],
  tokens: Tokens,
): Promise<WorkloadResult> {
  const requests = { baseline: workload.baseline, folioql: workload.folioql(tokens) };
  // Both must give the same answer, or the comparison means nothing.
  const [expected, actual] = await Promise.all([
    send(servers.baseline.origin, requests.baseline),
    send(servers.folioql.origin, requests.folioql),
  ]);
  if (!isDeepStrictEqual(expected, actual)) {
    throw new Error(`${workload.name}: folioql and the baseline answered differently`);
  }
  log(`${workload.name}: ${workload.title}`);
  for (const side of ['baseline', 'folioql'] as const) {
    await load(servers[side], requests[side], plan.warmUpSeconds);
  }
  const runs = { baseline: [] as RunFigures[], folioql: [] as RunFigures[] };
  for (let round = 0; round < plan.rounds; round++) {
    for (const side of ['baseline', 'folioql'] as const) {
      const figures = await load(servers[side], requests[side], plan.seconds);
      runs[side].push(figures);
      log(`  ${side.padEnd(8)} ${figures.requestsPerSecond.toFixed(0).padStart(6)} req/s`);
    }
  }
  const baseline = summarize(runs.baseline);
  const folioql = summarize(runs.folioql);
  return {
    name: workload.name,
    title: workload.title,
    unit: 'req/s',
    baseline,
    folioql,
    ratio: folioql.rate / baseline.rate,
  };
}

/** W3: batches of 10,000 trades, one after another, as a producer sends them. */
async function runUpsertWorkload(
  servers: { baseline: ServerProcess; folioql: ServerProcess },
  tokens: Tokens,
): Promise<WorkloadResult> {
  log(`W3: producer upsertTrades of ${UPSERT_BATCH} trades, half new and half updates`);
  let batch = 0;
  const runs = { baseline: [] as RunFigures[], folioql: [] as RunFigures[] };
  const upsertOnce = async (side: 'baseline' | 'folioql') => {
    const request = upsertRequests(batch++, tokens)[side];
    const started = performance.now();
    const data = (await send(servers[side].origin, request)) as { upsertTrades: Record<string, number> };
    const seconds = (performance.now() - started) / 1000;
    const counts = data.upsertTrades;
    if (counts.insertedCount !== UPSERT_BATCH / 2 || counts.updatedCount !== UPSERT_BATCH / 2) {
      throw new Error(`${side}: expected half inserted and half updated, got ${JSON.stringify(counts)}`);
    }
    return seconds;
  };
  for (const side of ['baseline', 'folioql'] as const) await upsertOnce(side);
  for (let round = 0; round < plan.rounds; round++) {
    for (const side of ['baseline', 'folioql'] as const) {
      const rss = watchRss(servers[side].child.pid!);
      let seconds = 0;
      const latencies: number[] = [];
      for (let i = 0; i < plan.upsertBatches; i++) {
        const taken = await upsertOnce(side);
        latencies.push(taken * 1000);
        seconds += taken;
      }
      const figures = {
        requestsPerSecond: (plan.upsertBatches * UPSERT_BATCH) / seconds,
        p50Ms: median(latencies),
        p99Ms: Math.max(...latencies),
        peakRssMb: rss.stop(),
      };
      runs[side].push(figures);
      log(`  ${side.padEnd(8)} ${figures.requestsPerSecond.toFixed(0).padStart(6)} rows/s`);
    }
  }
  const baseline = summarize(runs.baseline);
  const folioql = summarize(runs.folioql);
  return {
    name: 'W3',
    title: `producer upsertTrades, ${UPSERT_BATCH} trades a request (half new, half updates)`,
    unit: 'rows/s',
    baseline,
    folioql,
    ratio: folioql.rate / baseline.rate,
  };
}

interface ReadsUnderWrites {
  idle: { p50Ms: number; p99Ms: number };
  loaded: { p50Ms: number; p99Ms: number };
  p99Ratio: number;
  batchesWritten: number;
  batchesRefused: number;
  readErrors: number;
}

/**
 * W6: anonymous reads at a steady rate, first alone, then while
 * `plan.producers` producers each send 10,000-trade batches back to back
 * (a refused batch, WRITE_BUSY, is sent again after its Retry-After). The
 * figure that matters is p99 under load over p99 idle: readers must not
 * wait for writers. folioql only: the baseline has no write lock to wait on.
 */
async function runReadsUnderWrites(folioql: ServerProcess, tokens: Tokens): Promise<ReadsUnderWrites> {
  log(
    `W6: anonymous latestTrades at ${W6_READS_PER_SECOND}/s, idle, then beside ${plan.producers} producers`,
  );
  const read = READ_WORKLOADS.find((workload) => workload.name === 'W1')!.folioql(tokens);
  const readFor = async (seconds: number) => {
    const result = await cannon(folioql.origin, read, seconds, W6_READS_PER_SECOND);
    return { p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors: result.non2xx + result.errors };
  };
  await readFor(plan.warmUpSeconds);
  const idleRuns = [];
  for (let round = 0; round < plan.rounds; round++) idleRuns.push(await readFor(plan.seconds));

  // Two batches a producer, sent in turn: the second changes the rows the first wrote.
  const batches = Array.from({ length: plan.producers }, (_, producer) =>
    [0, 1].map((turn) => upsertRequests(1_000 + producer * 2 + turn, tokens).folioql),
  );
  let producing = true;
  let batchesWritten = 0;
  let batchesRefused = 0;
  const producers = batches.map(async (own) => {
    for (let turn = 0; producing; turn++) {
      const request = own[turn % 2]!;
      const response = await fetch(folioql.origin + request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      await response.arrayBuffer();
      if (response.ok) batchesWritten++;
      else if (response.status === 503) {
        batchesRefused++;
        await new Promise((resolve) =>
          setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)),
        );
      } else throw new Error(`a producer's batch was answered ${response.status}`);
    }
  });
  // Let the write queue fill before measuring.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const loadedRuns = [];
  for (let round = 0; round < plan.rounds; round++) loadedRuns.push(await readFor(plan.seconds));
  producing = false;
  await Promise.all(producers);

  const summary = (runs: { p50Ms: number; p99Ms: number }[]) => ({
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
  });
  const idle = summary(idleRuns);
  const loaded = summary(loadedRuns);
  const figures = {
    idle,
    loaded,
    p99Ratio: loaded.p99Ms / idle.p99Ms,
    batchesWritten,
    batchesRefused,
    readErrors: [...idleRuns, ...loadedRuns].reduce((sum, run) => sum + run.errors, 0),
  };
  log(`  idle p99 ${idle.p99Ms} ms, under writes p99 ${loaded.p99Ms} ms (${figures.p99Ratio.toFixed(2)}×)`);
  return figures;
}

function table(results: WorkloadResult[]): string {
  const rows = [
    [
      '',
      'unit',
      'baseline',
      'folioql',
      'ratio',
      'p50 ms (b/f)',
      'p99 ms (b/f)',
      'peak RSS MB (b/f)',
      'SQL/req',
    ],
    ...results.map((r) => [
      r.name,
      r.unit,
      r.baseline.rate.toFixed(0),
      r.folioql.rate.toFixed(0),
      `${r.ratio.toFixed(2)}×`,
      `${r.baseline.p50Ms?.toFixed(1)} / ${r.folioql.p50Ms?.toFixed(1)}`,
      `${r.baseline.p99Ms?.toFixed(1)} / ${r.folioql.p99Ms?.toFixed(1)}`,
      `${r.baseline.peakRssMb.toFixed(0)} / ${r.folioql.peakRssMb.toFixed(0)}`,
      r.statementsPerRequest === undefined ? '' : String(r.statementsPerRequest),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n');
}

async function main() {
  // The compiled server is what is measured: build it if the sources changed since.
  const built = spawnSync(process.execPath, ['src/scripts/build.mjs', '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${databaseName}`);
  const servers: ServerProcess[] = [];
  try {
    log(`Database ${databaseName}: migrating and seeding ${TRADE_COUNT} trades…`);
    const migrator = openPostgres({ url: benchUrl, poolMax: 1 });
    await runMigrations(migrator.db);
    await migrator.close();
    const seeder = postgres(benchUrl, { max: 1, onnotice: () => {} });
    await seed(seeder);
    await seeder.end();

    const tokens: Tokens = {
      producer: await mintToken(['--role', 'api_data_producer'], { JWT_SECRET: jwtSecret }),
    };
    const folioqlEnv = {
      DATABASE_URL: benchUrl,
      JWT_SECRET: jwtSecret,
      LOG_LEVEL: 'warn',
      SEED_DEMO_DATA: 'false',
      NODE_ENV: 'production',
    };
    const profileArgs = options['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`] : [];
    const results: WorkloadResult[] = [];
    let readsUnderWrites: ReadsUnderWrites | undefined;
    const pairWorkloads = [...READ_WORKLOADS.map((w) => w.name), 'W3', 'W6'];
    if (pairWorkloads.some(selected)) {
      const baseline = await startServer('baseline', ['--import', 'tsx', 'bench/baseline-server.ts'], {
        DATABASE_URL: benchUrl,
      });
      servers.push(baseline);
      const folioql = await startServer('folioql', [...profileArgs, ...FOLIOQL_ENTRY], folioqlEnv);
      servers.push(folioql);

      for (const workload of READ_WORKLOADS.filter((w) => selected(w.name))) {
        const result = await runReadWorkload({ baseline, folioql }, workload, tokens);
        if (workload.name === 'W4') {
          result.statementsPerRequest = await countStatements(benchUrl, workload.folioql(tokens), jwtSecret);
        }
        results.push(result);
      }
      if (selected('W3')) results.push(await runUpsertWorkload({ baseline, folioql }, tokens));
      results.sort((a, b) => a.name.localeCompare(b.name));
      readsUnderWrites = selected('W6') ? await runReadsUnderWrites(folioql, tokens) : undefined;
      // The pair is idle from here on: stopped, so it takes nothing from the live workload.
      for (const server of servers.splice(0)) await stopServer(server);
    }

    let live: LiveResult | undefined;
    if (selected('LIVE')) {
      live = await runLiveWorkload(
        {
          startFolioql: async (name, env) => {
            const server = await startServer(name, [...profileArgs, ...FOLIOQL_ENTRY], {
              ...folioqlEnv,
              ...env,
            });
            servers.push(server);
            return server;
          },
          stop: async (started) => {
            const server = servers.find((s) => s.child === started.child);
            if (server) await stopServer(server);
          },
          producerToken: tokens.producer,
          databaseUrl: benchUrl,
          freePort,
          log,
        },
        livePlans,
      );
    }

    const machine = {
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: (await admin`show server_version`)[0]!.server_version as string,
    };
    console.log(`\nfolioql vs raw baseline (${options.quick ? 'quick' : 'full'} run, ${plan.rounds} rounds)`);
    console.log(
      `${machine.cpus}, ${machine.memoryGb} GB, Node ${machine.node}, PostgreSQL ${machine.postgres}\n`,
    );
    if (results.length) console.log(table(results));
    if (readsUnderWrites) {
      const { idle, loaded, p99Ratio, batchesWritten, batchesRefused, readErrors } = readsUnderWrites;
      console.log(
        `\nW6  anonymous latestTrades(limit: 50) at ${W6_READS_PER_SECOND}/s, idle and beside ${plan.producers} producers upserting ${UPSERT_BATCH}-trade batches\n` +
          `    p50 ${idle.p50Ms} → ${loaded.p50Ms} ms, p99 ${idle.p99Ms} → ${loaded.p99Ms} ms: p99 under writes ${p99Ratio.toFixed(2)}× idle (target ≤ 3×)\n` +
          `    ${batchesWritten} batches written, ${batchesRefused} refused WRITE_BUSY and sent again, ${readErrors} reads failed`,
      );
    }
    if (live) {
      console.log(
        `\nLIVE  two folioql instances; subscribers: ${live.transports}\n` +
          `      producer: ${live.producer}; latency from committedAt to receipt (target p99 < 250 ms)\n`,
      );
      console.log(liveTable(live));
    }
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          quick: options.quick,
          plan: { ...plan, live: livePlans },
          machine,
          results,
          readsUnderWrites,
          live,
        },
        null,
        2,
      ),
    );
    console.log(`\nWritten to ${path.relative(root, file)}`);
  } finally {
    for (const server of servers) await stopServer(server);
    if (!options.keep) await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    await admin.end();
  }
}

await main();
