/**
 * The cumulative return chart: portfolio against holding BTC or ETH, with the
 * maximum drawdown shaded. Drawn by uPlot on a canvas; a plain-text summary
 * carries the same facts for screen readers and for anyone who cannot see it.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  formatDate,
  formatDecimal,
  formatDrawdown,
  formatPct,
  isZeroDecimal,
  toChartNumber,
} from './format.ts';

export interface PerformancePointView {
  timestamp: number;
  portfolioReturnPct: string;
  benchmarkBtcReturnPct: string;
  benchmarkEthReturnPct: string;
  drawdownPct: string;
}

export interface ChartView {
  interval: 'DAY' | 'WEEK';
  points: PerformancePointView[];
  maxDrawdownPct: string | null;
}

/** Indices of the point where the deepest fall started and where it bottomed out. */
interface DrawdownSpan {
  peak: number;
  trough: number;
}

/** Colours come from CSS custom properties (see styles.css), so light and dark themes live in one place. */
interface Palette {
  portfolio: string;
  btc: string;
  eth: string;
  axis: string;
  grid: string;
  zero: string;
  drawdown: string;
  drawdownText: string;
  background: string;
}

const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const AXIS_FONT_PX = 12;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_S = 86_400;
const EMPTY_TEXT = 'No history in this range';

const INTERVAL_NAMES: Record<ChartView['interval'], { adjective: string; xLabel: string }> = {
  DAY: { adjective: 'Daily', xLabel: 'Day' },
  WEEK: { adjective: 'Weekly', xLabel: 'Week of' },
};

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
const FALLBACK_PALETTE: Palette = {
  portfolio: '#0072b2',
  btc: '#d55e00',
  eth: '#009e73',
  axis: '#4a5563',
  grid: 'rgba(0, 0, 0, 0.08)',
  zero: 'rgba(0, 0, 0, 0.45)',
  drawdown: 'rgba(213, 94, 0, 0.12)',
  drawdownText: '#8a3b00',
  background: '#ffffff',
};

function readPalette(host: HTMLElement): Palette {
  const style = getComputedStyle(host);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const f = FALLBACK_PALETTE;
  return {
    portfolio: read('--chart-portfolio', f.portfolio),
    btc: read('--chart-btc', f.btc),
    eth: read('--chart-eth', f.eth),
    axis: read('--chart-axis', f.axis),
    grid: read('--chart-grid', f.grid),
    zero: read('--chart-zero', f.zero),
    drawdown: read('--chart-drawdown', f.drawdown),
    drawdownText: read('--chart-drawdown-text', f.drawdownText),
    background: read('--chart-background', f.background),
  };
}

/**
 * The deepest point by drawdown magnitude, and the last high before it. Magnitude,
 * because the API reports drawdowns as positive percentages below the high, while
 * other sources use negative ones; either way the deepest is the furthest from 0.
 * Null when the view has no drawdown to mark.
 */
function findDrawdown(view: ChartView): DrawdownSpan | null {
  if (view.maxDrawdownPct === null || isZeroDecimal(view.maxDrawdownPct)) return null;
  let trough = -1;
  let deepest = 0;
  view.points.forEach((point, i) => {
    const depth = Math.abs(toChartNumber(point.drawdownPct));
    if (depth > deepest) {
      deepest = depth;
      trough = i;
    }
  });
  if (trough < 0) return null;
  // The range's starting value counts as a high, so without a 0 before the trough the fall began at the start.
  let peak = 0;
  for (let i = trough - 1; i >= 0; i--) {
    if (toChartNumber(view.points[i]!.drawdownPct) === 0) {
      peak = i;
      break;
    }
  }
  return { peak, trough };
}

/** The text alternative to the canvas: range, latest returns, and the largest fall. */
function summaryText(view: ChartView, span: DrawdownSpan | null): string {
  const { adjective } = INTERVAL_NAMES[view.interval];
  const points = view.points;
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return `${adjective}: ${EMPTY_TEXT.toLowerCase()}.`;
  const count = points.length === 1 ? '1 point' : `${points.length} points`;
  const dates =
    points.length === 1
      ? formatDate(first.timestamp)
      : `${formatDate(first.timestamp)} to ${formatDate(last.timestamp)}`;
  const returns =
    `Portfolio ${formatPct(last.portfolioReturnPct)}, BTC ${formatPct(last.benchmarkBtcReturnPct)}, ` +
    `ETH ${formatPct(last.benchmarkEthReturnPct)}.`;
  const fall =
    span && view.maxDrawdownPct !== null
      ? `Largest fall: ${formatDrawdown(view.maxDrawdownPct)} from ${formatDate(points[span.peak]!.timestamp)} ` +
        `to ${formatDate(points[span.trough]!.timestamp)}.`
      : 'No fall from a high in this range.';
  return `${adjective}, ${dates}, ${count}. ${returns} ${fall}`;
}

/** uPlot's aligned data: x in seconds, then the three return series as drawing numbers. */
function chartData(points: PerformancePointView[]): uPlot.AlignedData {
  return [
    points.map((p) => p.timestamp / 1000),
    points.map((p) => toChartNumber(p.portfolioReturnPct)),
    points.map((p) => toChartNumber(p.benchmarkBtcReturnPct)),
    points.map((p) => toChartNumber(p.benchmarkEthReturnPct)),
  ];
}

/** Tick labels for the time axis in UTC, coarser text for coarser tick spacing. */
function timeTicks(splits: number[], incrementS: number): string[] {
  return splits.map((s, i) => {
    const d = new Date(s * 1000);
    const month = MONTHS[d.getUTCMonth()]!;
    const year = d.getUTCFullYear();
    if (incrementS >= 360 * DAY_S) return String(year);
    if (incrementS >= 28 * DAY_S) return i === 0 || d.getUTCMonth() === 0 ? `${month} ${year}` : month;
    return `${d.getUTCDate()} ${month}`;
  });
}

/** Tick labels for the percent axis, with as many decimals as the tick spacing needs. */
function pctTicks(splits: number[], increment: number): string[] {
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(increment || 1))));
  return splits.map((v) => {
    const text = formatDecimal(v.toFixed(decimals), decimals);
    return `${v > 0 && !/^[0.,]+$/.test(text) ? '+' : ''}${text} %`;
  });
}

/** Chart height for a width: wide enough screens get 360 px, phones keep a usable 200 px. */
function heightFor(width: number): number {
  return Math.round(Math.min(360, Math.max(200, width * 0.6)));
}

/**
 * Creates the performance chart in `host` and its text alternative in `summary`.
 * `show` may be called any number of times (range or interval switches, live
 * updates); `destroy` releases the chart, observers and listeners.
 */
export function createPerformanceChart(
  host: HTMLElement,
  summary: HTMLElement,
): { show(view: ChartView): void; destroy(): void } {
  let plot: uPlot | null = null;
  let builtFor: ChartView['interval'] | null = null;
  let current: ChartView | null = null;
  let span: DrawdownSpan | null = null;
  let width = 0;
  let empty: HTMLParagraphElement | null = null;
  let paletteInUse = FALLBACK_PALETTE;

  host.setAttribute('role', 'img');
  host.setAttribute('aria-label', 'Cumulative return chart');

  const measureWidth = (): number => Math.max(280, Math.floor(host.clientWidth || 320));

  // The value shown in the legend: the hovered point, else the latest, from the exact strings.
  const legendValue =
    (field: 'portfolioReturnPct' | 'benchmarkBtcReturnPct' | 'benchmarkEthReturnPct') =>
    (_u: uPlot, _raw: number, _series: number, idx: number | null): string => {
      const points = current?.points ?? [];
      const point = points[idx ?? points.length - 1];
      return point ? formatPct(point[field]) : '–';
    };

  function drawDrawdownBand(u: uPlot): void {
    const points = current?.points;
    if (!span || !points) return;
    const x0 = u.valToPos(points[span.peak]!.timestamp / 1000, 'x', true);
    const x1 = u.valToPos(points[span.trough]!.timestamp / 1000, 'x', true);
    const { top, height } = u.bbox;
    const minWidth = 2 * uPlot.pxRatio;
    u.ctx.save();
    u.ctx.fillStyle = paletteInUse.drawdown;
    u.ctx.fillRect(x0, top, Math.max(minWidth, x1 - x0), height);
    u.ctx.restore();
  }

  function drawZeroLine(u: uPlot): void {
    const [min, max] = [u.scales['y']?.min, u.scales['y']?.max];
    if (min === undefined || max === undefined || min > 0 || max < 0) return;
    const y = Math.round(u.valToPos(0, 'y', true)) + 0.5;
    const { left, width: plotWidth } = u.bbox;
    u.ctx.save();
    u.ctx.strokeStyle = paletteInUse.zero;
    u.ctx.lineWidth = uPlot.pxRatio;
    u.ctx.beginPath();
    u.ctx.moveTo(left, y);
    u.ctx.lineTo(left + plotWidth, y);
    u.ctx.stroke();
    u.ctx.restore();
  }

  function drawDrawdownLabel(u: uPlot): void {
    const points = current?.points;
    if (!span || !points || current?.maxDrawdownPct == null) return;
    const ratio = uPlot.pxRatio;
    const text = `Max drawdown ${formatDrawdown(current.maxDrawdownPct)}`;
    const x0 = u.valToPos(points[span.peak]!.timestamp / 1000, 'x', true);
    const { left, top, width: plotWidth } = u.bbox;
    const pad = 4 * ratio;
    const ctx = u.ctx;
    ctx.save();
    ctx.font = `600 ${AXIS_FONT_PX * ratio}px ${FONT_FAMILY}`;
    ctx.textBaseline = 'top';
    // uPlot leaves the alignment of its last axis labels on the context.
    ctx.textAlign = 'left';
    const textWidth = ctx.measureText(text).width;
    // Start at the band, but keep the whole label inside the plot area.
    const x = Math.max(left + pad, Math.min(x0 + pad, left + plotWidth - textWidth - 2 * pad));
    const y = top + pad;
    // A backing box keeps the label readable where a line passes under it.
    ctx.globalAlpha = 0.85;
    ctx.fillStyle = paletteInUse.background;
    ctx.fillRect(x - pad / 2, y - pad / 2, textWidth + pad, AXIS_FONT_PX * ratio + pad);
    ctx.globalAlpha = 1;
    ctx.fillStyle = paletteInUse.drawdownText;
    ctx.fillText(text, x, y);
    ctx.restore();
  }

  // Markers only where points are far apart (and for a lone point, which has no line); dense markers hide the dashes.
  const showPoints = (u: uPlot, _series: number, idx0: number, idx1: number): boolean =>
    u.bbox.width / uPlot.pxRatio / Math.max(1, idx1 - idx0) >= 28;

  function buildOptions(view: ChartView): uPlot.Options {
    const palette = (paletteInUse = readPalette(host));
    const axisFont = `${AXIS_FONT_PX}px ${FONT_FAMILY}`;
    const axisCommon = {
      stroke: palette.axis,
      font: axisFont,
      grid: { stroke: palette.grid, width: 1 },
      ticks: { stroke: palette.grid, width: 1 },
    };
    return {
      width: width || measureWidth(),
      height: heightFor(width || measureWidth()),
      // Dragging to zoom surprises touch and casual users; the range controls do that job.
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      legend: { live: true },
      scales: {
        x: {
          time: true,
          // A single point has no span (uPlot would stretch it over years): centre it in a week.
          range: (u, min, max) => {
            const xs = u.data[0];
            return xs.length === 1 ? [xs[0]! - 3.5 * DAY_S, xs[0]! + 3.5 * DAY_S] : [min, max];
          },
        },
        y: {
          // Always include 0 so the zero line shows where gains turn into losses.
          range: (_u, min, max) => {
            const lo = Math.min(0, min);
            const hi = Math.max(0, max);
            return lo === hi ? [-1, 1] : uPlot.rangeNum(lo, hi, 0.1, true);
          },
        },
      },
      // Plain UTC, like every other date on the page.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      series: [
        {
          label: INTERVAL_NAMES[view.interval].xLabel,
          value: (_u, _raw, _series, idx) => {
            const points = current?.points ?? [];
            const point = points[idx ?? points.length - 1];
            return point ? formatDate(point.timestamp) : '–';
          },
        },
        {
          label: 'Portfolio',
          stroke: palette.portfolio,
          width: 3,
          value: legendValue('portfolioReturnPct'),
          points: { show: showPoints },
        },
        {
          label: 'BTC',
          stroke: palette.btc,
          width: 2,
          dash: [8, 4],
          value: legendValue('benchmarkBtcReturnPct'),
          points: { show: showPoints },
        },
        {
          label: 'ETH',
          stroke: palette.eth,
          width: 2,
          dash: [2, 3],
          value: legendValue('benchmarkEthReturnPct'),
          points: { show: showPoints },
        },
      ],
      axes: [
        {
          ...axisCommon,
          space: 70,
          values: (_u, splits, _axis, _space, increment) => timeTicks(splits, increment),
        },
        {
          ...axisCommon,
          space: 36,
          values: (_u, splits, _axis, _space, increment) => pctTicks(splits, increment),
          // Fit the widest label ("+1,250 %") instead of uPlot's fixed 50 px.
          size: (u, values) => {
            if (!values) return 50;
            u.ctx.save();
            u.ctx.font = `${AXIS_FONT_PX * uPlot.pxRatio}px ${FONT_FAMILY}`;
            const widest = Math.max(...values.map((v) => u.ctx.measureText(String(v)).width));
            u.ctx.restore();
            return Math.ceil(widest / uPlot.pxRatio) + 18;
          },
        },
      ],
      hooks: {
        // Under the grid and lines, so the shading never hides data.
        drawClear: [drawDrawdownBand],
        drawAxes: [drawZeroLine],
        draw: [
          drawDrawdownLabel,
          () => {
            // Set only once drawn: tests wait on this attribute.
            host.dataset.pointCount = String(current?.points.length ?? 0);
          },
        ],
      },
    };
  }

  function destroyPlot(): void {
    plot?.destroy();
    plot = null;
    builtFor = null;
  }

  function setEmpty(isEmpty: boolean): void {
    if (isEmpty && !empty) {
      empty = document.createElement('p');
      empty.className = 'chart-empty';
      empty.textContent = EMPTY_TEXT;
      host.append(empty);
    } else if (!isEmpty && empty) {
      empty.remove();
      empty = null;
    }
  }

  function render(): void {
    const view = current;
    if (!view) return;
    if (view.points.length === 0) {
      destroyPlot();
      setEmpty(true);
      host.dataset.pointCount = '0';
      return;
    }
    setEmpty(false);
    const data = chartData(view.points);
    // The x legend label depends on the interval; everything else reads the current view when drawing.
    if (plot && builtFor === view.interval) {
      plot.setData(data, true);
    } else {
      destroyPlot();
      width = measureWidth();
      plot = new uPlot(buildOptions(view), data, host);
      builtFor = view.interval;
    }
  }

  const resizeObserver = new ResizeObserver(() => {
    const next = measureWidth();
    // Only width matters; the legend changing the host's height must not loop back here.
    if (next === width) return;
    width = next;
    plot?.setSize({ width, height: heightFor(width) });
  });
  resizeObserver.observe(host);

  // Canvas colours are fixed when the chart is built, so rebuild when the theme flips.
  const darkScheme = window.matchMedia('(prefers-color-scheme: dark)');
  const onSchemeChange = (): void => {
    if (!plot) return;
    destroyPlot();
    render();
  };
  darkScheme.addEventListener('change', onSchemeChange);

  return {
    show(view: ChartView): void {
      current = view;
      span = findDrawdown(view);
      host.dataset.interval = view.interval;
      summary.textContent = summaryText(view, span);
      render();
    },
    destroy(): void {
      resizeObserver.disconnect();
      darkScheme.removeEventListener('change', onSchemeChange);
      destroyPlot();
      setEmpty(false);
      summary.textContent = '';
      current = null;
      span = null;
      delete host.dataset.pointCount;
      delete host.dataset.interval;
      host.removeAttribute('role');
      host.removeAttribute('aria-label');
    },
  };
}
