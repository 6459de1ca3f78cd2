/**
 * The demo portfolio that fills an empty embedded database: two years of a
 * small Kraken portfolio, with daily and weekly history and a few thousand
 * trades over five pairs.
 *
 * Deterministic: a seeded generator and integer arithmetic on 18-decimal
 * fixed point (bigint), so every run, on every machine, writes the same rows
 * with all 18 fractional digits in use.
 */
import { sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { portfolioHistory, trades } from './schema.ts';

type TradeRow = typeof trades.$inferInsert;
type HistoryRow = typeof portfolioHistory.$inferInsert;

const SCALE = 10n ** 18n;
const DAY_MS = 86_400_000;
/** Monday 2024-11-18 00:00 UTC: weekly points start on Mondays. */
export const DEMO_START_MS = Date.UTC(2024, 10, 18);
export const DEMO_WEEKS = 104;
const DEMO_DAYS = DEMO_WEEKS * 7;
const STARTING_CASH = 100_000n * SCALE;

const ASSETS = [
  { base: 'BTC', price: 90_000n },
  { base: 'ETH', price: 3_100n },
  { base: 'SOL', price: 240n },
  { base: 'XRP', price: 1n },
  { base: 'ADA', price: 1n },
] as const;

/** mulberry32: tiny, fast and the same everywhere. */
function randomGenerator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  /** An integer in [min, max]. */
  const integer = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, integer };
}

/** Fixed point with 18 decimals to NUMERIC text, as PostgreSQL prints NUMERIC(48,18). */
export function formatFixed(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / SCALE}.${(magnitude % SCALE).toString().padStart(18, '0')}`;
}

/** Multiplies by (1 + parts / 1e9): a price move of parts billionths. */
function move(value: bigint, parts: number): bigint {
  return (value * (1_000_000_000n + BigInt(parts))) / 1_000_000_000n;
}

/** Percent change from `before` to `after`, to 18 decimals. */
function percentChange(before: bigint, after: bigint): bigint {
  return ((after - before) * 100n * SCALE) / before;
}

export interface DemoPortfolio {
  trades: TradeRow[];
  history: HistoryRow[];
}

export function generateDemoPortfolio(): DemoPortfolio {
  const random = randomGenerator(20241118);
  const ids = new Set<string>();
  const orderId = () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const part = (n: number) => Array.from({ length: n }, () => alphabet[random.integer(0, 31)]).join('');
    let id: string;
    do id = `T${part(5)}-${part(5)}-${part(6)}`;
    while (ids.has(id));
    ids.add(id);
    return id;
  };

  // Daily closes: a random walk per asset, with a slight upward drift, and
  // the previous close (the price trades of the day fill around).
  let prices = ASSETS.map(
    (asset) => asset.price * SCALE + BigInt(random.integer(0, 999_999_999)) * 10n ** 9n,
  );
  const initialPrices = prices;
  const holdings = ASSETS.map(() => 0n);
  let cash = STARTING_CASH;

  const tradeRows: TradeRow[] = [];
  const closes: { value: bigint; cash: bigint; btc: bigint; eth: bigint }[] = [];

  for (let day = 0; day < DEMO_DAYS; day++) {
    const dayStart = DEMO_START_MS + day * DAY_MS;
    const fills = random.integer(1, 7);
    const times = Array.from({ length: fills }, () => dayStart + random.integer(0, DAY_MS - 1)).sort(
      (a, b) => a - b,
    );
    for (const time of times) {
      const asset = random.integer(0, ASSETS.length - 1);
      const { base } = ASSETS[asset]!;
      const price = move(prices[asset]!, random.integer(-5_000_000, 5_000_000));
      let usd =
        BigInt(random.integer(100, 5_000)) * SCALE + BigInt(random.integer(0, 999_999_999)) * 10n ** 9n;
      const heldUsd = (holdings[asset]! * price) / SCALE;
      const isBuy = heldUsd < usd || (random.next() < 0.55 && cash > usd);
      if (isBuy && cash < usd) continue;
      if (!isBuy && heldUsd < usd) usd = heldUsd;
      const amount = (usd * SCALE) / price;
      if (amount === 0n) continue;
      const usdValue = (amount * price) / SCALE;
      holdings[asset] = holdings[asset]! + (isBuy ? amount : -amount);
      cash += isBuy ? -usdValue : usdValue;
      // An order often fills in two parts at the same millisecond: equal
      // timestamps are normal, and the id orders them.
      const parts = random.next() < 0.1 ? 2 : 1;
      for (let part = 0; part < parts; part++) {
        const partAmount = parts === 1 ? amount : part === 0 ? amount / 2n : amount - amount / 2n;
        tradeRows.push({
          id: orderId(),
          timestamp: String(time),
          market: 'kraken',
          symbol: `${base}/USD`,
          baseAsset: base,
          quoteAsset: 'USD',
          isBuy,
          amount: formatFixed(partAmount),
          price: formatFixed(price),
          usdValue: formatFixed((partAmount * price) / SCALE),
        });
      }
    }
    prices = prices.map((price) => move(price, random.integer(-38_000_000, 40_000_000)));
    const value = cash + holdings.reduce((sum, held, i) => sum + (held * prices[i]!) / SCALE, 0n);
    closes.push({
      value,
      cash,
      btc: (STARTING_CASH * prices[0]!) / initialPrices[0]!,
      eth: (STARTING_CASH * prices[1]!) / initialPrices[1]!,
    });
  }

  const start = { value: STARTING_CASH, cash: STARTING_CASH, btc: STARTING_CASH, eth: STARTING_CASH };
  const point = (
    interval: 'day' | 'week',
    timestamp: number,
    length: number,
    index: number,
    last: boolean,
  ) => {
    const close = closes[(index + 1) * length - 1]!;
    const previous = index === 0 ? start : closes[index * length - 1]!;
    const row: HistoryRow = {
      timestamp: String(timestamp),
      // The last point is the ongoing interval, last rewritten mid-way.
      updatedAt: String(last ? timestamp + Math.floor((length * DAY_MS) / 2) : timestamp + length * DAY_MS),
      market: 'kraken',
      interval,
      usdTotalValue: formatFixed(close.value),
      usdHeld: formatFixed(close.cash),
      intervalPctReturn: formatFixed(percentChange(previous.value, close.value)),
      benchmarkBtcValue: formatFixed(close.btc),
      benchmarkBtcIntervalPctReturn: formatFixed(percentChange(previous.btc, close.btc)),
      benchmarkEthValue: formatFixed(close.eth),
      benchmarkEthIntervalPctReturn: formatFixed(percentChange(previous.eth, close.eth)),
    };
    return row;
  };

  const history: HistoryRow[] = [];
  for (let day = 0; day < DEMO_DAYS; day++) {
    history.push(point('day', DEMO_START_MS + day * DAY_MS, 1, day, day === DEMO_DAYS - 1));
  }
  for (let week = 0; week < DEMO_WEEKS; week++) {
    history.push(point('week', DEMO_START_MS + week * 7 * DAY_MS, 7, week, week === DEMO_WEEKS - 1));
  }
  return { trades: tradeRows, history };
}

/** Rows per INSERT: 10 columns × 500 rows stays far below PostgreSQL's 65,535 parameters. */
const INSERT_BATCH = 500;

/**
 * Fills the database with the demo portfolio if, and only if, both tables
 * are empty. Returns whether it did.
 */
export async function seedDemoData(db: Database): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Two instances starting together on one empty database seed once.
    await tx.execute(sql`select pg_advisory_xact_lock(7215304119)`);
    const anyTrade = await tx.select({ id: trades.id }).from(trades).limit(1);
    const anyPoint = await tx.select({ id: portfolioHistory.id }).from(portfolioHistory).limit(1);
    if (anyTrade.length > 0 || anyPoint.length > 0) return false;
    const demo = generateDemoPortfolio();
    for (let i = 0; i < demo.trades.length; i += INSERT_BATCH) {
      await tx.insert(trades).values(demo.trades.slice(i, i + INSERT_BATCH));
    }
    for (let i = 0; i < demo.history.length; i += INSERT_BATCH) {
      await tx.insert(portfolioHistory).values(demo.history.slice(i, i + INSERT_BATCH));
    }
    return true;
  });
}
