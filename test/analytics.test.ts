/**
 * tradeStats and portfolioPerformance: computed in SQL, checked against
 * values computed here exactly (bigint), and against a history small enough
 * to work out by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPortfolio, seedDemoData } from '../src/db/demo-data.ts';
import { sql } from 'drizzle-orm';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import type { App } from '../src/yoga.ts';
import { producerHeaders } from './support/auth.ts';
import { divideRounded, fromFixed18, toFixed18 } from './support/decimal.ts';
import { historyPoint, resetTables, trade } from './support/fixtures.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { forEachDriver } from './support/test-database.ts';

const demo = generateDemoPortfolio();
type DemoTrade = (typeof demo.trades)[number];

const STATS_FIELDS =
  'symbol market side bucketStart count buyVolumeUsd sellVolumeUsd netBaseAmount volumeWeightedAveragePrice';

function utcBucket(timestamp: number, bucket: 'day' | 'week' | 'month'): number {
  const date = new Date(timestamp);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (bucket === 'day') return day;
  if (bucket === 'week') return day - ((date.getUTCDay() + 6) % 7) * 86_400_000;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** What tradeStats must answer, computed from the generated rows. */
function referenceStats(rows: DemoTrade[], keyOf: (row: DemoTrade) => Record<string, unknown>) {
  const groups = new Map<string, { key: Record<string, unknown>; rows: DemoTrade[] }>();
  for (const row of rows) {
    const key = keyOf(row);
    const id = JSON.stringify(key);
    if (!groups.has(id)) groups.set(id, { key, rows: [] });
    groups.get(id)!.rows.push(row);
  }
  return [...groups.values()].map(({ key, rows: members }) => {
    const sum = (values: bigint[]) => values.reduce((total, value) => total + value, 0n);
    const amount = sum(members.map((row) => toFixed18(row.amount)));
    const notional = sum(members.map((row) => toFixed18(row.price) * toFixed18(row.amount)));
    return {
      symbol: null,
      market: null,
      side: null,
      bucketStart: null,
      ...key,
      count: members.length,
      buyVolumeUsd: fromFixed18(
        sum(members.filter((row) => row.isBuy).map((row) => toFixed18(row.usdValue))),
      ),
      sellVolumeUsd: fromFixed18(
        sum(members.filter((row) => !row.isBuy).map((row) => toFixed18(row.usdValue))),
      ),
      netBaseAmount: fromFixed18(sum(members.map((row) => (row.isBuy ? 1n : -1n) * toFixed18(row.amount)))),
      // notional has 36 decimals, amount 18: the quotient has 18.
      volumeWeightedAveragePrice: amount === 0n ? null : fromFixed18(divideRounded(notional, amount)),
    };
  });
}

const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  JSON.stringify([a.symbol, a.market, a.side, a.bucketStart]) <
  JSON.stringify([b.symbol, b.market, b.side, b.bucketStart])
    ? -1
    : 1;

forEachDriver((database) => {
  let app: App;
  let producer: Record<string, string>;
  beforeAll(async () => {
    app = createTestApp(database());
    producer = await producerHeaders();
    await resetTables(database().db);
    await seedDemoData(database().db);
  });

  describe('tradeStats', () => {
    const stats = async (args: string) => {
      const result = await graphql(app, `{ tradeStats${args} { ${STATS_FIELDS} } }`, {}, producer);
      expect(result.errors).toBeUndefined();
      return result.data.tradeStats as Record<string, unknown>[];
    };

    it('over all trades', async () => {
      expect(await stats('')).toEqual(referenceStats(demo.trades, () => ({})));
    });

    it('by symbol and side', async () => {
      const expected = referenceStats(demo.trades, (row) => ({
        symbol: row.symbol,
        side: row.isBuy ? 'BUY' : 'SELL',
      }));
      expect([...(await stats('(groupBy: [SYMBOL, SIDE])'))].sort(byKey)).toEqual(expected.sort(byKey));
    });

    it.each(['day', 'week', 'month'] as const)('by %s (UTC), within a where', async (bucket) => {
      const where = '{ symbol: { eq: "ETH/USD" }, timestamp: { gte: 1740000000000, lt: 1760000000000 } }';
      const rows = demo.trades.filter(
        (row) =>
          row.symbol === 'ETH/USD' &&
          Number(row.timestamp) >= 1740000000000 &&
          Number(row.timestamp) < 1760000000000,
      );
      const expected = referenceStats(rows, (row) => ({
        market: 'KRAKEN',
        bucketStart: utcBucket(Number(row.timestamp), bucket),
      }));
      const actual = await stats(`(where: ${where}, groupBy: [MARKET, ${bucket.toUpperCase()}])`);
      expect(actual).toEqual(expected.sort((a, b) => Number(a.bucketStart) - Number(b.bucketStart)));
    });

    it('answers zero counts, not nothing, when no trade matches', async () => {
      expect(await stats('(where: { symbol: { eq: "NONE/USD" } })')).toEqual([
        {
          symbol: null,
          market: null,
          side: null,
          bucketStart: null,
          count: 0,
          buyVolumeUsd: '0.000000000000000000',
          sellVolumeUsd: '0.000000000000000000',
          netBaseAmount: '0.000000000000000000',
          volumeWeightedAveragePrice: null,
        },
      ]);
    });

    it('orders time buckets by time, across a change in digit count and before 1970', async () => {
      const early = [Date.UTC(1969, 5, 15), Date.UTC(2001, 7, 1), Date.UTC(2001, 9, 1)];
      await database()
        .db.insert(trades)
        .values(early.map((timestamp, i) => trade({ id: `early-${i}`, timestamp: String(timestamp) })));
      const rows = await stats('(where: { timestamp: { lt: 1100000000000 } }, groupBy: [MONTH])');
      expect(rows.map((row) => row.bucketStart)).toEqual([
        Date.UTC(1969, 5, 1),
        Date.UTC(2001, 7, 1),
        Date.UTC(2001, 9, 1),
      ]);
      const weeks = await stats('(where: { timestamp: { lt: 0 } }, groupBy: [WEEK])');
      // 1969-06-15 was a Sunday: its week began on Monday the 9th.
      expect(weeks.map((row) => row.bucketStart)).toEqual([Date.UTC(1969, 5, 9)]);
      await database()
        .db.delete(trades)
        .where(sql`${trades.id} like 'early-%'`);
    });

    it('refuses two time buckets', async () => {
      const result = await graphql(app, '{ tradeStats(groupBy: [DAY, MONTH]) { count } }', {}, producer);
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message: 'Argument "groupBy" of Query.tradeStats may hold one of DAY, WEEK and MONTH, not 2',
        },
      ]);
    });
  });

  describe('portfolioPerformance', () => {
    const WEEK = 7 * 86_400_000;
    const T = Date.UTC(2030, 0, 7);
    const query = (args: string) =>
      graphql(
        app,
        `{ portfolioPerformance(interval: WEEK, market: KRAKEN${args}) {
            pointCount portfolioReturnPct benchmarkBtcReturnPct benchmarkEthReturnPct maxDrawdownPct
            series { timestamp portfolioReturnPct benchmarkBtcReturnPct benchmarkEthReturnPct drawdownPct } } }`,
      );
    const pct = (text: string) => fromFixed18(toFixed18(text));

    beforeAll(async () => {
      // Weeks far after the demo data, with returns simple enough to work out by hand.
      const weeks: [string | null, string | null, string | null][] = [
        ['10', '5', '-10'],
        ['-20', '10', null],
        ['5', '-50', '20'],
        ['12.5', '0', '10'],
      ];
      await database()
        .db.insert(portfolioHistory)
        .values(
          weeks.map(([portfolio, btc, eth], index) =>
            historyPoint({
              timestamp: String(T + index * WEEK),
              intervalPctReturn: portfolio,
              benchmarkBtcIntervalPctReturn: btc,
              benchmarkEthIntervalPctReturn: eth,
            }),
          ),
        );
    });

    it('compounds the interval returns and finds the deepest drawdown', async () => {
      const result = await query(`, from: ${T}`);
      expect(result.errors).toBeUndefined();
      // Portfolio: ×1.1 ×0.8 ×1.05 ×1.125 → 1.1, 0.88, 0.924, 1.0395; high 1.1.
      // BTC: ×1.05 ×1.1 ×0.5 ×1 → 1.05, 1.155, 0.5775, 0.5775.
      // ETH: ×0.9 ×1 (null) ×1.2 ×1.1 → 0.9, 0.9, 1.08, 1.188.
      expect(result.data.portfolioPerformance).toEqual({
        pointCount: 4,
        portfolioReturnPct: pct('3.95'),
        benchmarkBtcReturnPct: pct('-42.25'),
        benchmarkEthReturnPct: pct('18.8'),
        maxDrawdownPct: pct('20'),
        series: [
          {
            timestamp: T,
            portfolioReturnPct: pct('10'),
            benchmarkBtcReturnPct: pct('5'),
            benchmarkEthReturnPct: pct('-10'),
            drawdownPct: pct('0'),
          },
          {
            timestamp: T + WEEK,
            portfolioReturnPct: pct('-12'),
            benchmarkBtcReturnPct: pct('15.5'),
            benchmarkEthReturnPct: pct('-10'),
            drawdownPct: pct('20'),
          },
          {
            timestamp: T + 2 * WEEK,
            portfolioReturnPct: pct('-7.6'),
            benchmarkBtcReturnPct: pct('-42.25'),
            benchmarkEthReturnPct: pct('8'),
            drawdownPct: pct('16'),
          },
          {
            timestamp: T + 3 * WEEK,
            portfolioReturnPct: pct('3.95'),
            benchmarkBtcReturnPct: pct('-42.25'),
            benchmarkEthReturnPct: pct('18.8'),
            drawdownPct: pct('5.5'),
          },
        ],
      });
    });

    it('counts the starting value as a high: a loss in the first interval is a drawdown', async () => {
      const result = await query(`, from: ${T + WEEK}, to: ${T + 3 * WEEK}`);
      // ×0.8 ×1.05 → 0.8, 0.84
      expect(result.data.portfolioPerformance).toMatchObject({
        pointCount: 2,
        portfolioReturnPct: pct('-16'),
        maxDrawdownPct: pct('20'),
      });
    });

    it('keeps all 18 decimals: a 0.000000000000000001 % return is not lost', async () => {
      const lone = T + 100 * WEEK;
      await database()
        .db.insert(portfolioHistory)
        .values(historyPoint({ timestamp: String(lone), intervalPctReturn: '0.000000000000000001' }));
      const result = await query(`, from: ${lone}`);
      expect(result.data.portfolioPerformance.portfolioReturnPct).toBe('0.000000000000000001');
    });

    it('keeps the series in time order across a change in digit count', async () => {
      // 2001-09-09 01:46:40 UTC is 1,000,000,000,000 ms: text order would put it first.
      const days = [-2, -1, 0, 1].map(
        (day) => 1_000_000_000_000 - (1_000_000_000_000 % 86_400_000) + day * 86_400_000,
      );
      await database()
        .db.insert(portfolioHistory)
        .values(
          days.map((timestamp, i) =>
            historyPoint({
              timestamp: String(timestamp),
              interval: 'day',
              intervalPctReturn: i === 3 ? '50' : '1',
            }),
          ),
        );
      const result = await graphql(
        app,
        `{ portfolioPerformance(interval: DAY, market: KRAKEN, from: ${days[0]}, to: ${days[3]! + 1}) { portfolioReturnPct series { timestamp } } }`,
      );
      expect(
        result.data.portfolioPerformance.series.map((point: { timestamp: number }) => point.timestamp),
      ).toEqual(days);
      // ×1.01 ×1.01 ×1.01 ×1.5
      expect(result.data.portfolioPerformance.portfolioReturnPct).toBe(pct('54.54515'));
    });

    it('refuses to compound the points of several markets together', async () => {
      const lone = T + 300 * WEEK;
      await database()
        .db.insert(portfolioHistory)
        .values([
          historyPoint({ timestamp: String(lone) }),
          historyPoint({ timestamp: String(lone), market: null }),
        ]);
      const result = await graphql(
        app,
        `{ portfolioPerformance(interval: WEEK, from: ${lone}) { pointCount } }`,
      );
      expect(errorsOf(result)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          message: 'The range holds points of kraken, no market; give market to choose one',
        },
      ]);
      const chosen = await graphql(
        app,
        `{ portfolioPerformance(interval: WEEK, market: KRAKEN, from: ${lone}) { pointCount } }`,
      );
      expect(chosen.data.portfolioPerformance.pointCount).toBe(1);
    });

    it('answers an empty range with nulls', async () => {
      const result = await query(`, from: ${T + 1000 * WEEK}`);
      expect(result.data.portfolioPerformance).toEqual({
        pointCount: 0,
        portfolioReturnPct: null,
        benchmarkBtcReturnPct: null,
        benchmarkEthReturnPct: null,
        maxDrawdownPct: null,
        series: [],
      });
    });

    describe('with extreme but legal interval returns', () => {
      const DAY = 86_400_000;
      const start = Date.UTC(2100, 0, 4);
      const all = `interval: DAY, market: KRAKEN, from: ${start}, to: ${start + 2_000 * DAY}`;
      const TOTALS =
        'pointCount portfolioReturnPct benchmarkBtcReturnPct benchmarkEthReturnPct maxDrawdownPct';
      const SERIES =
        'series { timestamp portfolioReturnPct benchmarkBtcReturnPct benchmarkEthReturnPct drawdownPct }';
      const outgrown = (field: string, timestamp: number, id: number) =>
        `${field} cannot be answered at the point with timestamp ${timestamp} (the portfolio_history row with id ${id}): ` +
        "compounded, the range's interval returns outgrow the 30 digits before the point a Decimal holds. Narrow the range with from and to";
      let ids: number[];
      beforeAll(async () => {
        // 2,000 days of +10^20 %: compounded exactly, 36,000 digits before the point.
        const inserted = await database()
          .db.insert(portfolioHistory)
          .values(
            Array.from({ length: 2_000 }, (_, index) =>
              historyPoint({
                timestamp: String(start + index * DAY),
                interval: 'day',
                intervalPctReturn: '100000000000000000000',
                benchmarkBtcIntervalPctReturn: '1',
                benchmarkEthIntervalPctReturn: '-99.999999999999999999',
              }),
            ),
          )
          .returning({ id: portfolioHistory.id });
        ids = inserted.map((row) => row.id);
      });

      it('refuses only the values that outgrow a Decimal, naming the point, and answers the rest', async () => {
        const result = await graphql(app, `{ portfolioPerformance(${all}) { ${TOTALS} } }`);
        // 1.01^2000, kept to 40 places at each step as the aggregate does.
        let growth = 10n ** 40n;
        for (let day = 0; day < 2_000; day++) growth = divideRounded(growth * 101n, 100n);
        expect(result.data.portfolioPerformance).toEqual({
          pointCount: 2_000,
          portfolioReturnPct: null,
          benchmarkBtcReturnPct: fromFixed18(divideRounded((growth - 10n ** 40n) * 100n, 10n ** 22n)),
          // ×10^-20 a day: zero at 40 places from the third day on.
          benchmarkEthReturnPct: pct('-100'),
          maxDrawdownPct: null,
        });
        expect(errorsOf(result)).toEqual([
          {
            code: 'BAD_USER_INPUT',
            message: outgrown('portfolioReturnPct', start + 1_999 * DAY, ids[1_999]!),
          },
          // Past 10^40 the growth is no longer known, so neither is how far it fell.
          { code: 'BAD_USER_INPUT', message: outgrown('drawdownPct', start + 2 * DAY, ids[2]!) },
        ]);
        expect(result.text.length).toBeLessThan(2_000);
      });

      it('refuses a series past the bound in a small answer, naming the first point past it', async () => {
        const started = performance.now();
        const result = await graphql(app, `{ portfolioPerformance(${all}) { ${TOTALS} ${SERIES} } }`);
        expect(performance.now() - started).toBeLessThan(5_000);
        // The series and its points are non-null: no partial series is answered.
        expect(result.data).toBeNull();
        // ×(1 + 10^18) twice: 10^38 %, past NUMERIC(48,18)'s 30 integer digits at the second point.
        expect(result.errors).toEqual([
          expect.objectContaining({
            message: outgrown('portfolioReturnPct', start + 1_999 * DAY, ids[1_999]!),
            path: ['portfolioPerformance', 'portfolioReturnPct'],
          }),
          expect.objectContaining({
            message: outgrown('drawdownPct', start + 2 * DAY, ids[2]!),
            path: ['portfolioPerformance', 'maxDrawdownPct'],
          }),
          // One error for the series: the first point past the bound.
          expect.objectContaining({
            message: outgrown('portfolioReturnPct', start + DAY, ids[1]!),
            path: ['portfolioPerformance', 'series', 1, 'portfolioReturnPct'],
            extensions: { code: 'BAD_USER_INPUT' },
          }),
        ]);
        expect(result.text.length).toBeLessThan(5_000);

        // Nor does the database compute the 36,000 digits: the running product stops at 10^40, as NaN.
        const [running] = await database()
          .db.select({
            digits: sql<number>`max(length(growth::text))::int`,
            stopped: sql<number>`count(*) filter (where growth = 'NaN')::int`,
          })
          .from(
            sql`(select folioql_compound(interval_pct_return) over (order by timestamp, id) as growth
                 from portfolio_history where interval = 'day' and timestamp >= ${start}) as running`,
          );
        expect(running!.digits).toBeLessThan(100);
        expect(running!.stopped).toBe(1_998);
      });

      it('answers the values that fit, exactly, to 18 decimal places', async () => {
        const result = await graphql(
          app,
          `{ portfolioPerformance(interval: DAY, market: KRAKEN, from: ${start}, to: ${start + DAY}) { ${TOTALS} ${SERIES} } }`,
        );
        expect(result.errors).toBeUndefined();
        expect(result.data.portfolioPerformance).toEqual({
          pointCount: 1,
          portfolioReturnPct: pct('100000000000000000000'),
          benchmarkBtcReturnPct: pct('1'),
          benchmarkEthReturnPct: pct('-99.999999999999999999'),
          maxDrawdownPct: pct('0'),
          series: [
            {
              timestamp: start,
              portfolioReturnPct: pct('100000000000000000000'),
              benchmarkBtcReturnPct: pct('1'),
              benchmarkEthReturnPct: pct('-99.999999999999999999'),
              drawdownPct: pct('0'),
            },
          ],
        });
      });

      it('refuses a benchmark that outgrows a Decimal, answering the portfolio return', async () => {
        const lone = Date.UTC(2110, 0, 4);
        const points = await database()
          .db.insert(portfolioHistory)
          .values(
            [0, 1].map((index) =>
              historyPoint({
                timestamp: String(lone + index * DAY),
                interval: 'day',
                intervalPctReturn: '1',
                benchmarkBtcIntervalPctReturn: '-999999999999999999999999999999.999999999999999999',
              }),
            ),
          )
          .returning({ id: portfolioHistory.id });
        const result = await graphql(
          app,
          `{ portfolioPerformance(interval: DAY, market: KRAKEN, from: ${lone}) { portfolioReturnPct benchmarkBtcReturnPct } }`,
        );
        // ×(1 − 10^28) twice: 10^56 % at the second point.
        expect(result.data.portfolioPerformance).toEqual({
          portfolioReturnPct: pct('2.01'),
          benchmarkBtcReturnPct: null,
        });
        expect(errorsOf(result)).toEqual([
          { code: 'BAD_USER_INPUT', message: outgrown('benchmarkBtcReturnPct', lone + DAY, points[1]!.id) },
        ]);
        // The first point alone fits, all 48 digits of it.
        const first = await graphql(
          app,
          `{ portfolioPerformance(interval: DAY, market: KRAKEN, from: ${lone}, to: ${lone + 1}) { benchmarkBtcReturnPct maxDrawdownPct } }`,
        );
        expect(first.data.portfolioPerformance).toEqual({
          benchmarkBtcReturnPct: '-999999999999999999999999999999.999999999999999999',
          maxDrawdownPct: pct('0'),
        });
      });
    });

    it('matches the demo history compounded here', async () => {
      const weekly = demo.history.filter((point) => point.interval === 'week');
      let growth = 1n * 10n ** 40n;
      for (const point of weekly) {
        growth = divideRounded(growth * (100n * SCALE + toFixed18(point.intervalPctReturn!)), 100n * SCALE);
      }
      const expected = fromFixed18(divideRounded((growth - 10n ** 40n) * 100n, 10n ** 22n));
      const result = await graphql(
        app,
        `{ portfolioPerformance(interval: WEEK, to: ${T}) { pointCount portfolioReturnPct } }`,
      );
      expect(result.data.portfolioPerformance).toEqual({
        pointCount: weekly.length,
        portfolioReturnPct: expected,
      });
    });
  });
});

const SCALE = 10n ** 18n;
