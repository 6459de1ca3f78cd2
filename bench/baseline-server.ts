/**
 * The raw limit folioql is measured against: node:http and postgres.js, the
 * same SQL folioql runs, JSON built by hand, and nothing else: no GraphQL,
 * no role switching, no transaction, no input checks. Its answers are the
 * same JSON as folioql's (run.ts checks that before measuring).
 *
 * Run as its own process (DATABASE_URL, PORT), so its RSS is its own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import postgres from 'postgres';
import type { TradeInputJson } from './workloads.ts';

const sql = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {} });

interface TradeRow {
  id: string;
  timestamp: string;
  symbol: string;
  is_buy: boolean;
  amount: string;
  price: string;
  usd_value: string;
}

interface PointRow {
  id: number;
  timestamp: string;
  updated_at: string | null;
  market: string | null;
  interval: string | null;
  usd_total_value: string | null;
  usd_held: string | null;
  interval_pct_return: string | null;
  benchmark_btc_value: string | null;
  benchmark_btc_interval_pct_return: string | null;
  benchmark_eth_value: string | null;
  benchmark_eth_interval_pct_return: string | null;
}

const WEEK = 7 * 86_400_000;
const iso = (millis: string) => new Date(Number(millis)).toISOString();

function tradeJson(row: TradeRow) {
  return {
    id: row.id,
    time: iso(row.timestamp),
    symbol: row.symbol,
    isBuy: row.is_buy,
    amount: row.amount,
    price: row.price,
    usdValue: row.usd_value,
  };
}

function cursorOf(row: PointRow): string {
  return Buffer.from(JSON.stringify(['timestamp_asc', row.timestamp, row.id])).toString('base64url');
}

async function latestTrades(limit: number) {
  const rows = await sql<TradeRow[]>`
    select * from trades order by timestamp desc, id asc limit ${limit}`;
  return { latestTrades: rows.map(tradeJson) };
}

async function weeklyPage(first: number) {
  const rows = await sql<PointRow[]>`
    select * from portfolio_history where interval = 'week' order by timestamp asc, id asc limit ${first + 1}`;
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
}

async function history(first: number) {
  const [page, [count]] = await Promise.all([
    weeklyPage(first),
    sql<{ count: number }[]>`select count(*)::int as count from portfolio_history where interval = 'week'`,
  ]);
  const { rows } = page;
  return {
    portfolioHistory: {
      totalCount: count!.count,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: false,
        startCursor: rows.length ? cursorOf(rows[0]!) : null,
        endCursor: rows.length ? cursorOf(rows.at(-1)!) : null,
      },
      nodes: rows.map((row) => ({
        id: String(row.id),
        timestamp: Number(row.timestamp),
        time: iso(row.timestamp),
        updatedAt: row.updated_at === null ? null : Number(row.updated_at),
        market: row.market?.toUpperCase() ?? null,
        interval: row.interval?.toUpperCase() ?? null,
        usdTotalValue: row.usd_total_value,
        usdHeld: row.usd_held,
        intervalPctReturn: row.interval_pct_return,
        benchmarkBtcValue: row.benchmark_btc_value,
        benchmarkBtcIntervalPctReturn: row.benchmark_btc_interval_pct_return,
        benchmarkEthValue: row.benchmark_eth_value,
        benchmarkEthIntervalPctReturn: row.benchmark_eth_interval_pct_return,
      })),
    },
  };
}

async function historyWithTrades(first: number, tradesEach: number) {
  const { rows } = await weeklyPage(first);
  const trades = await sql<(TradeRow & { n: string })[]>`
    select w.n, t.* from unnest(
      ${rows.map((row) => row.timestamp)}::bigint[],
      ${rows.map((row) => String(BigInt(row.timestamp) + BigInt(WEEK)))}::bigint[],
      ${rows.map((row) => row.market)}::text[]::market_enum[]
    ) with ordinality as w(start, finish, market, n)
    cross join lateral (
      select * from trades
      where timestamp >= w.start and timestamp < w.finish and (w.market is null or market = w.market)
      order by timestamp desc, id asc limit ${tradesEach + 1}
    ) as t
    order by w.n, t.timestamp desc, t.id asc`;
  const byPoint = rows.map((): TradeRow[] => []);
  for (const trade of trades) byPoint[Number(trade.n) - 1]!.push(trade);
  return {
    portfolioHistory: {
      nodes: rows.map((row, i) => ({
        id: String(row.id),
        time: iso(row.timestamp),
        usdTotalValue: row.usd_total_value,
        intervalPctReturn: row.interval_pct_return,
        trades: {
          nodes: byPoint[i]!.slice(0, tradesEach).map(tradeJson),
          pageInfo: { hasNextPage: byPoint[i]!.length > tradesEach },
        },
      })),
    },
  };
}

const TRADE_COLUMNS = [
  'id',
  'timestamp',
  'market',
  'symbol',
  'base_asset',
  'quote_asset',
  'is_buy',
  'amount',
  'price',
  'usd_value',
] as const;
const UPDATED = TRADE_COLUMNS.slice(1);

/** The single INSERT … SELECT FROM unnest … ON CONFLICT statement folioql's bulk upsert also sends. */
const upsertSql = `
  insert into trades (${TRADE_COLUMNS.join(', ')})
  select input.id, input.timestamp::bigint, input.market::market_enum, input.symbol, input.base_asset,
         input.quote_asset, input.is_buy::boolean, input.amount::numeric(48,18), input.price::numeric(48,18),
         input.usd_value::numeric(48,18)
  from unnest(${TRADE_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')}) as input(${TRADE_COLUMNS.join(', ')})
  on conflict (id) do update set ${UPDATED.map((c) => `${c} = excluded.${c}`).join(', ')}
  where (${UPDATED.map((c) => `trades.${c}`).join(', ')}) is distinct from (${UPDATED.map((c) => `excluded.${c}`).join(', ')})
  returning (xmax = 0) as inserted`;

async function upsertTrades(input: TradeInputJson[]) {
  const sorted = [...input].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const columns = [
    sorted.map((t) => t.id),
    sorted.map((t) => String(t.timestamp)),
    sorted.map((t) => t.market.toLowerCase()),
    sorted.map((t) => t.symbol),
    sorted.map((t) => t.baseAsset),
    sorted.map((t) => t.quoteAsset),
    sorted.map((t) => String(t.isBuy)),
    sorted.map((t) => t.amount),
    sorted.map((t) => t.price),
    sorted.map((t) => t.usdValue),
  ];
  const written = await sql.unsafe<{ inserted: boolean }[]>(upsertSql, columns);
  const inserted = written.filter((row) => row.inserted).length;
  return {
    upsertTrades: {
      insertedCount: inserted,
      updatedCount: written.length - inserted,
      unchangedCount: input.length - written.length,
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function route(request: IncomingMessage): Promise<unknown> {
  const url = new URL(request.url!, 'http://baseline');
  const number = (name: string) => Number(url.searchParams.get(name));
  switch (url.pathname) {
    case '/latest-trades':
      return latestTrades(number('limit'));
    case '/history':
      return history(number('first'));
    case '/history-with-trades':
      return historyWithTrades(number('first'), number('trades'));
    case '/upsert-trades':
      return upsertTrades((JSON.parse(await readBody(request)) as { trades: TradeInputJson[] }).trades);
    case '/healthz':
      await sql`select 1`;
      return {};
    default:
      return undefined;
  }
}

const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  route(request).then(
    (data) => {
      const body = data === undefined ? '{"error":"not found"}' : JSON.stringify({ data });
      response.writeHead(data === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(body);
    },
    (error: unknown) => {
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: String(error) }));
    },
  );
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void sql.end({ timeout: 1 }).then(() => process.exit(0));
});
