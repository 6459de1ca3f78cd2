/**
 * The benchmark's data: 200,000 trades over six pairs and three years, and a
 * daily and a weekly history over the same years. Generated in PostgreSQL by
 * three statements, so seeding takes seconds, and deterministic (no
 * random()), so every run reads the same rows.
 */
import type { Sql } from 'postgres';

export const TRADE_COUNT = 200_000;
export const SYMBOLS = ['BTC', 'ETH', 'SOL', 'ADA', 'DOT', 'XRP'];

const DAY = 86_400_000;
/** A Monday, 00:00 UTC: weekly points start on Mondays. */
export const HISTORY_END = Date.UTC(2026, 10, 2);
export const HISTORY_START = HISTORY_END - 156 * 7 * DAY;

/** The seeded trade ids: "T000001" … "T200000". */
export function seededTradeId(n: number): string {
  return `T${String(n).padStart(6, '0')}`;
}

export async function seed(sql: Sql): Promise<void> {
  const span = HISTORY_END - HISTORY_START;
  await sql`
    insert into trades (id, timestamp, market, symbol, base_asset, quote_asset, is_buy, amount, price, usd_value)
    select 'T' || lpad(g::text, 6, '0'),
           ${HISTORY_START}::bigint + (g::bigint * ${span}::bigint) / ${TRADE_COUNT}::bigint,
           'kraken', base || '/USD', base, 'USD', g % 3 <> 0,
           amount, price, round(amount * price, 18)
    from generate_series(1, ${TRADE_COUNT}) as g,
    lateral (select (${SYMBOLS}::text[])[1 + g % 6] as base,
                    round((0.001 + (g % 997) / 97.0)::numeric, 18) as amount,
                    round((100 + 900 * abs(sin(g / 1000.0)))::numeric, 12) as price) as v`;
  for (const [interval, length] of [
    ['week', 7 * DAY],
    ['day', DAY],
  ] as const) {
    await sql`
      insert into portfolio_history (timestamp, updated_at, market, interval, usd_total_value, usd_held,
        interval_pct_return, benchmark_btc_value, benchmark_btc_interval_pct_return,
        benchmark_eth_value, benchmark_eth_interval_pct_return)
      select ${HISTORY_START}::bigint + i * ${length}::bigint, ${HISTORY_START}::bigint + (i + 1) * ${length}::bigint,
             'kraken', ${interval},
             round((100000 + 20000 * sin(i / 9.0))::numeric, 18), round((5000 + 100 * cos(i))::numeric, 18),
             round((2 * sin(i / 3.0))::numeric, 18), round((90000 + 30000 * sin(i / 7.0))::numeric, 18),
             round((3 * cos(i / 5.0))::numeric, 18), round((80000 + 25000 * cos(i / 11.0))::numeric, 18),
             round((4 * sin(i / 4.0))::numeric, 18)
      from generate_series(0, ${Math.floor((HISTORY_END - HISTORY_START) / length)}) as i`;
  }
  await sql`vacuum analyze trades`;
  await sql`vacuum analyze portfolio_history`;
}
