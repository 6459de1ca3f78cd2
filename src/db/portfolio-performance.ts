/**
 * How the portfolio did over a range, against holding BTC or ETH instead:
 * cumulative returns compounded from the stored interval returns, and the
 * deepest drawdown, all in SQL with NUMERIC (no floating point). The GraphQL
 * of it is src/schema/portfolio-performance.ts.
 */
import { sql, type SQL } from 'drizzle-orm';
import { DECIMAL_INTEGER_DIGITS } from '../input-values.ts';
import type { Database } from './database.ts';
import { portfolioHistory } from './schema.ts';

/** Most points one range may hold (five and a half years of days, 38 of weeks). */
export const PERFORMANCE_MAX_POINTS = 2_000;

/** The derived values of a point: null where one outgrows a Decimal (see `bounded`). */
export type DerivedField =
  'portfolioReturnPct' | 'benchmarkBtcReturnPct' | 'benchmarkEthReturnPct' | 'drawdownPct';

export type PerformancePointRow = {
  /** The history point's id. */
  id: number;
  timestamp: string;
} & Record<DerivedField, string | null>;

export type PerformanceSeriesRow = PerformancePointRow & {
  market: string | null;
  /** The deepest drawdown of the whole range (the same on every row). */
  maxDrawdownPct: string | null;
};

/**
 * A derived percentage as a Decimal holds it, or null past that: rounded to
 * 18 places, and under 10^30. Compounded returns grow without bound (a
 * producer may store +10^20 % a week), and unbounded they would make an
 * answer of megabytes; a null here is refused with a clear error.
 */
function bounded(column: string) {
  const rounded = sql.raw(`round(${column}, 18)`);
  return sql<
    string | null
  >`case when abs(${rounded}) < 1e${sql.raw(String(DECIMAL_INTEGER_DIGITS))} then ${rounded} end`;
}

/**
 * The points meeting `filter`, oldest first, each with the cumulative
 * returns and drawdown from the start of the range to its end: at most
 * PERFORMANCE_MAX_POINTS + 1 rows, so that the caller can tell that there
 * are too many.
 */
export function selectPerformanceSeries(
  db: Database,
  filter: SQL | undefined,
): Promise<PerformanceSeriesRow[]> {
  const running = sql`over (order by timestamp, id)`;
  // Innermost to outermost: the range's points; the running growth
  // factors; returns and drawdowns in percent; the deepest drawdown.
  return (
    db
      .select({
        id: sql<number>`drawdowns.id`,
        timestamp: sql<string>`drawdowns.timestamp::text`,
        market: sql<string | null>`drawdowns.market::text`,
        portfolioReturnPct: bounded('portfolio_return_pct'),
        benchmarkBtcReturnPct: bounded('btc_return_pct'),
        benchmarkEthReturnPct: bounded('eth_return_pct'),
        drawdownPct: bounded('drawdown_pct'),
        maxDrawdownPct: sql<string | null>`max(${bounded('drawdown_pct')}) over ()`,
      })
      .from(
        sql`(select id, timestamp, market,
             (growth - 1) * 100 as portfolio_return_pct,
             (btc_growth - 1) * 100 as btc_return_pct,
             (eth_growth - 1) * 100 as eth_return_pct,
             -- The starting value counts as a high: a first interval at -10 % is a 10 % drawdown.
             (1 - growth / greatest(1, max(growth) ${running})) * 100 as drawdown_pct
           from (select id, timestamp, market,
                   folioql_compound(interval_pct_return) ${running} as growth,
                   folioql_compound(benchmark_btc_interval_pct_return) ${running} as btc_growth,
                   folioql_compound(benchmark_eth_interval_pct_return) ${running} as eth_growth
                 from (select * from ${portfolioHistory} where ${filter}
                       order by ${portfolioHistory.timestamp}, ${portfolioHistory.id}
                       limit ${PERFORMANCE_MAX_POINTS + 1}) as points) as growths) as drawdowns`,
      )
      // The bigint, not the text selected above: text would put 999… before 1000….
      .orderBy(sql`drawdowns.timestamp, drawdowns.id`)
  );
}
