/**
 * How the portfolio did over a range, against holding BTC or ETH instead:
 * cumulative returns compounded from the stored interval returns, and the
 * deepest drawdown, all in SQL with NUMERIC (no floating point), with the
 * series itself for charting.
 */
import { sql } from 'drizzle-orm';
import { portfolioHistory } from '../db/schema.ts';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';
import { instantFields } from './instant-fields.ts';
import { historyRange, historyRangeArgs } from './portfolio-history.ts';
import { Decimal } from './scalars.ts';

/** Most points one range may hold (five and a half years of days, 38 of weeks). */
export const PERFORMANCE_MAX_POINTS = 2_000;

interface PerformancePointRow {
  timestamp: string;
  portfolioReturnPct: string;
  benchmarkBtcReturnPct: string;
  benchmarkEthReturnPct: string;
  drawdownPct: string;
}

interface PerformanceRow {
  series: PerformancePointRow[];
  maxDrawdownPct: string | null;
}

const PerformancePoint = builder.objectRef<PerformancePointRow>('PerformancePoint').implement({
  description: 'The cumulative picture at the end of one interval of the range.',
  fields: (t) => ({
    ...instantFields(t, 'Start of the interval'),
    portfolioReturnPct: t.expose('portfolioReturnPct', {
      type: Decimal,
      description:
        "The portfolio's return from the start of the range to the end of this interval, in percent.",
    }),
    benchmarkBtcReturnPct: t.expose('benchmarkBtcReturnPct', {
      type: Decimal,
      description: 'The same for holding BTC instead, in percent.',
    }),
    benchmarkEthReturnPct: t.expose('benchmarkEthReturnPct', {
      type: Decimal,
      description: 'The same for holding ETH instead, in percent.',
    }),
    drawdownPct: t.expose('drawdownPct', {
      type: Decimal,
      description:
        'How far below its highest value so far (or its starting value) the portfolio is, in percent (0 at a new high).',
    }),
  }),
});

const lastOf = (row: PerformanceRow) => row.series.at(-1);

const PortfolioPerformance = builder.objectRef<PerformanceRow>('PortfolioPerformance').implement({
  description:
    'Cumulative returns over a range, compounded from the interval returns: the product of (1 + r / 100), ' +
    'kept to 40 decimal places and shown rounded to 18. A null interval return counts as 0 %. ' +
    'The totals are null for a range without points.',
  fields: (t) => ({
    pointCount: t.int({
      description: 'How many history points the range holds.',
      resolve: (row) => row.series.length,
    }),
    portfolioReturnPct: t.field({
      type: Decimal,
      nullable: true,
      description: "The portfolio's return over the whole range, in percent.",
      resolve: (row) => lastOf(row)?.portfolioReturnPct ?? null,
    }),
    benchmarkBtcReturnPct: t.field({
      type: Decimal,
      nullable: true,
      description: 'The return of holding BTC over the whole range, in percent.',
      resolve: (row) => lastOf(row)?.benchmarkBtcReturnPct ?? null,
    }),
    benchmarkEthReturnPct: t.field({
      type: Decimal,
      nullable: true,
      description: 'The return of holding ETH over the whole range, in percent.',
      resolve: (row) => lastOf(row)?.benchmarkEthReturnPct ?? null,
    }),
    maxDrawdownPct: t.expose('maxDrawdownPct', {
      type: Decimal,
      nullable: true,
      description:
        'The largest fall of the portfolio from a high (or its starting value) to a later low, in percent.',
    }),
    series: t.expose('series', {
      type: [PerformancePoint],
      // Priced at the most points a range may hold: its real length is unknown before it runs.
      complexity: { field: 1, multiplier: PERFORMANCE_MAX_POINTS },
      description: 'Every interval of the range, oldest first: the data for a chart.',
    }),
  }),
});

builder.queryField('portfolioPerformance', (t) =>
  t.field({
    type: PortfolioPerformance,
    description: `How the portfolio did over a range against holding BTC or ETH, from the stored interval returns of one market (give \`market\` when the history holds several). At most ${PERFORMANCE_MAX_POINTS} points.`,
    complexity: 10,
    args: historyRangeArgs(t.arg),
    resolve: async (_root, args, ctx) => {
      const filter = historyRange(args);
      const running = sql`over (order by timestamp, id)`;
      // Innermost to outermost: the range's points; the running growth
      // factors; returns and drawdowns in percent; the deepest drawdown.
      const rows = await ctx.db
        .select({
          timestamp: sql<string>`drawdowns.timestamp::text`,
          market: sql<string | null>`drawdowns.market::text`,
          portfolioReturnPct: sql<string>`portfolio_return_pct`,
          benchmarkBtcReturnPct: sql<string>`btc_return_pct`,
          benchmarkEthReturnPct: sql<string>`eth_return_pct`,
          drawdownPct: sql<string>`drawdown_pct`,
          maxDrawdownPct: sql<string>`max(drawdown_pct) over ()`,
        })
        .from(
          sql`(select id, timestamp, market,
                 round((growth - 1) * 100, 18) as portfolio_return_pct,
                 round((btc_growth - 1) * 100, 18) as btc_return_pct,
                 round((eth_growth - 1) * 100, 18) as eth_return_pct,
                 -- The starting value counts as a high: a first interval at -10 % is a 10 % drawdown.
                 round((1 - growth / greatest(1, max(growth) ${running})) * 100, 18) as drawdown_pct
               from (select id, timestamp, market,
                       folioql_compound(interval_pct_return) ${running} as growth,
                       folioql_compound(benchmark_btc_interval_pct_return) ${running} as btc_growth,
                       folioql_compound(benchmark_eth_interval_pct_return) ${running} as eth_growth
                     from (select * from ${portfolioHistory} where ${filter}
                           order by ${portfolioHistory.timestamp}, ${portfolioHistory.id}
                           limit ${PERFORMANCE_MAX_POINTS + 1}) as points) as growths) as drawdowns`,
        )
        // The bigint, not the text selected above: text would put 999… before 1000….
        .orderBy(sql`drawdowns.timestamp, drawdowns.id`);
      if (rows.length > PERFORMANCE_MAX_POINTS) {
        throw badUserInput(
          `The range holds more than ${PERFORMANCE_MAX_POINTS} points; narrow it with from and to, or use WEEK`,
        );
      }
      // Compounding the points of several markets together would be meaningless.
      const markets = new Set(rows.map((row) => row.market));
      if (markets.size > 1) {
        throw badUserInput(
          `The range holds points of ${[...markets].map((market) => market ?? 'no market').join(', ')}; give market to choose one`,
        );
      }
      return { series: rows, maxDrawdownPct: rows[0]?.maxDrawdownPct ?? null };
    },
  }),
);
