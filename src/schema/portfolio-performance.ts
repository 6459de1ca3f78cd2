/**
 * How the portfolio did over a range, against holding BTC or ETH instead:
 * cumulative returns compounded from the stored interval returns, and the
 * deepest drawdown, with the series itself for charting. The SQL is
 * db/portfolio-performance.ts.
 */
import {
  PERFORMANCE_MAX_POINTS,
  selectPerformanceSeries,
  type DerivedField,
  type PerformancePointRow,
} from '../db/portfolio-performance.ts';
import { historyRange } from '../db/portfolio-history.ts';
import { badUserInput } from '../errors.ts';
import { DECIMAL_INTEGER_DIGITS } from '../input-values.ts';
import { builder } from './builder.ts';
import { instantFields } from './instant-fields.ts';
import { historyRangeArgs, historyRowName } from './portfolio-history.ts';
import { Decimal } from './scalars.ts';

interface PerformanceRow {
  series: PerformancePointRow[];
  maxDrawdownPct: string | null;
}

/** A derived value of a point, or a clear error where it outgrew a Decimal. */
function derivedValue(point: PerformancePointRow, field: DerivedField): string {
  const value = point[field];
  if (value !== null) return value;
  throw badUserInput(
    `${field} cannot be answered at the point with timestamp ${point.timestamp} ` +
      `(the portfolio_history row with id ${point.id}): compounded, the range's interval returns outgrow ` +
      `the ${DECIMAL_INTEGER_DIGITS} digits before the point a Decimal holds. Narrow the range with from and to`,
  );
}

const PerformancePoint = builder.objectRef<PerformancePointRow>('PerformancePoint').implement({
  description: 'The cumulative picture at the end of one interval of the range.',
  fields: (t) => {
    const derived = (field: DerivedField, description: string) =>
      t.field({ type: Decimal, description, resolve: (point) => derivedValue(point, field) });
    return {
      ...instantFields(t, 'Start of the interval', historyRowName),
      portfolioReturnPct: derived(
        'portfolioReturnPct',
        "The portfolio's return from the start of the range to the end of this interval, in percent.",
      ),
      benchmarkBtcReturnPct: derived(
        'benchmarkBtcReturnPct',
        'The same for holding BTC instead, in percent.',
      ),
      benchmarkEthReturnPct: derived(
        'benchmarkEthReturnPct',
        'The same for holding ETH instead, in percent.',
      ),
      drawdownPct: derived(
        'drawdownPct',
        'How far below its highest value so far (or its starting value) the portfolio is, in percent (0 at a new high).',
      ),
    };
  },
});

/** A total: the last point's value, or null for a range without points. */
const total = (row: PerformanceRow, field: DerivedField) => {
  const last = row.series.at(-1);
  return last ? derivedValue(last, field) : null;
};

const PortfolioPerformance = builder.objectRef<PerformanceRow>('PortfolioPerformance').implement({
  description:
    'Cumulative returns over a range, compounded from the interval returns: the product of (1 + r / 100), ' +
    'kept to 40 decimal places and shown rounded to 18. A null interval return counts as 0 %. ' +
    'The totals are null for a range without points. A value that outgrows a Decimal (30 integer digits) ' +
    'is refused with BAD_USER_INPUT naming the point where it does; narrow the range with from and to.',
  fields: (t) => ({
    pointCount: t.int({
      description: 'How many history points the range holds.',
      resolve: (row) => row.series.length,
    }),
    portfolioReturnPct: t.field({
      type: Decimal,
      nullable: true,
      description: "The portfolio's return over the whole range, in percent.",
      resolve: (row) => total(row, 'portfolioReturnPct'),
    }),
    benchmarkBtcReturnPct: t.field({
      type: Decimal,
      nullable: true,
      description: 'The return of holding BTC over the whole range, in percent.',
      resolve: (row) => total(row, 'benchmarkBtcReturnPct'),
    }),
    benchmarkEthReturnPct: t.field({
      type: Decimal,
      nullable: true,
      description: 'The return of holding ETH over the whole range, in percent.',
      resolve: (row) => total(row, 'benchmarkEthReturnPct'),
    }),
    maxDrawdownPct: t.field({
      type: Decimal,
      nullable: true,
      description:
        'The largest fall of the portfolio from a high (or its starting value) to a later low, in percent.',
      resolve: (row) => {
        // The largest of the drawdowns that fit would understate it.
        const outgrown = row.series.find((point) => point.drawdownPct === null);
        return outgrown ? derivedValue(outgrown, 'drawdownPct') : row.maxDrawdownPct;
      },
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
      const rows = await selectPerformanceSeries(ctx.db, historyRange(args));
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
