/**
 * The live portfolio page: what folioql's API is for, in a browser.
 *
 * Reads go through urql with the typed documents of folioql's own client
 * (src/programs/client, published as `folioql/client`); subscriptions go
 * through that client's graphql-ws transport, which resumes each one from its
 * last cursor after a dropped connection or a restarted server. The chart
 * and the headline come from one query of the chosen interval and range,
 * read again when a history point of that interval changes; the table shows
 * the latest trades, pages older ones on demand, and takes in every trade a
 * producer writes.
 */
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import {
  createFolioqlClient,
  portfolioHistoryChangedSubscription,
  portfolioOverviewQuery,
  recentTradesQuery,
  tradesChangedSubscription,
} from '../programs/client/index.ts';
import { createPerformanceChart } from './chart.ts';
import { formatDrawdown, formatPct, formatUsd } from './format.ts';
import { createTradesTable } from './trades-table.ts';
import './styles.css';

type Interval = 'WEEK' | 'DAY';
type Range = '3M' | '1Y' | 'ALL';

const DAY_MS = 86_400_000;
const RANGE_DAYS: Record<Exclude<Range, 'ALL'>, number> = { '3M': 91, '1Y': 365 };
const TRADES_PAGE = 25;
/** What portfolioPerformance answers at most (the API's limit). */
const MAX_PERFORMANCE_POINTS = 2000;
/** A stopped subscription is started again after this long (plus up to as much again, at random). */
const RESTART_DELAY_MS = 5_000;
/** History points often change in bursts (a producer's batch): the chart is read once per burst. */
const HISTORY_REFRESH_DELAY_MS = 250;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const connection = byId<HTMLParagraphElement>('connection');
const chartHost = byId<HTMLDivElement>('chart');
const chart = createPerformanceChart(chartHost, byId('chart-summary'));
const table = createTradesTable(byId<HTMLTableSectionElement>('trades-body'));
const moreTrades = byId<HTMLButtonElement>('more-trades');

const endpoint = new URL('/graphql', location.href).href;

function showConnection(state: 'live' | 'offline', text: string) {
  connection.className = `connection ${state}`;
  connection.textContent = text;
}

const folioql = createFolioqlClient({
  url: endpoint,
  onConnected: (reconnected) => {
    showConnection('live', 'Live');
    // What changed while away: subscriptions with a cursor get it sent; the
    // reads are cheap enough to repeat, which covers those without one.
    if (reconnected) {
      void loadOverview();
      void refreshLatestTrades();
    }
  },
  onDisconnected: () => showConnection('offline', 'Reconnecting…'),
});

const urql = new Client({
  url: endpoint,
  // Every read is of live data: always asked of the server, never answered from a cache.
  requestPolicy: 'network-only',
  // JSON POSTs: a GET would need the CSRF header (browser-defaults.ts).
  preferGetMethod: false,
  exchanges: [
    subscriptionExchange({
      forwardSubscription: (request, operation) => ({
        subscribe: (sink) => ({
          unsubscribe: folioql.subscribe(operation.query, request.variables ?? {}, {
            next: (data) => sink.next({ data }),
            error: (error) => sink.error(error),
          }),
        }),
      }),
    }),
    fetchExchange,
  ],
});

let interval: Interval = 'WEEK';
let range: Range = '1Y';

/**
 * One headline figure: formatted, with the exact value on hover, and marked
 * as a gain or a loss (a drawdown, a positive number, is always a loss).
 */
function setFigure(
  id: string,
  value: string | null | undefined,
  format: (value: string) => string,
  kind: 'return' | 'fall' = 'return',
) {
  const element = byId(id);
  element.textContent = value == null ? '–' : format(value);
  element.title = value ?? '';
  // Judged by what is shown: a value that rounds to 0.00 % is neither a gain nor a loss.
  const nonZero = /[1-9]/.test(element.textContent);
  const negative = kind === 'fall' || value?.startsWith('-');
  element.classList.toggle('up', nonZero && !negative);
  element.classList.toggle('down', nonZero && negative);
}

/** Answers to superseded reads (an older interval or range) are dropped. */
let overviewRead = 0;

async function loadOverview() {
  const read = ++overviewRead;
  const from =
    range !== 'ALL'
      ? Date.now() - RANGE_DAYS[range] * DAY_MS
      : // portfolioPerformance takes at most 2,000 points: daily, "all" is the last 2,000 days.
        interval === 'DAY'
        ? Date.now() - (MAX_PERFORMANCE_POINTS - 1) * DAY_MS
        : null;
  const wanted = interval;
  const result = await urql.query(portfolioOverviewQuery, { interval: wanted, from }).toPromise();
  if (read !== overviewRead) return;
  if (!result.data) return showError(result.error?.message);
  const { portfolioPerformance: performance, portfolioHistory } = result.data;
  // What the chart shows, for whoever checks it against the API (the tests do).
  chartHost.dataset.from = from === null ? '' : String(from);
  chartHost.dataset.range = range;
  chart.show({
    interval: wanted,
    points: performance.series,
    maxDrawdownPct: performance.maxDrawdownPct ?? null,
  });
  setFigure('current-value', portfolioHistory.nodes[0]?.usdTotalValue, formatUsd);
  setFigure('return-portfolio', performance.portfolioReturnPct, formatPct);
  setFigure('return-btc', performance.benchmarkBtcReturnPct, formatPct);
  setFigure('return-eth', performance.benchmarkEthReturnPct, formatPct);
  setFigure('max-drawdown', performance.maxDrawdownPct, formatDrawdown, 'fall');
}

/** The cursor of the next older page; null once the oldest trade is shown. */
let olderTrades: string | null = null;
/** The oldest trade shown: a live trade older than it belongs to a page not read yet. */
let oldestShown: TradeView | undefined;
/** Live events that come before the first page is in, applied after it. */
let pendingEvents: TradesChangedEvent[] | undefined = [];
/** Whether the trades subscription has had an event, so a cursor to resume from. */
let tradesResume = false;

type TradeView = Parameters<typeof table.upsert>[0][number];
interface TradesChangedEvent {
  trades: TradeView[];
  deletedIds: string[];
}

const olderThanShown = (trade: TradeView) =>
  oldestShown !== undefined &&
  (trade.timestamp < oldestShown.timestamp ||
    (trade.timestamp === oldestShown.timestamp && trade.id > oldestShown.id));

function showPage(page: {
  nodes: TradeView[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}) {
  olderTrades = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
  oldestShown = page.nodes.at(-1) ?? oldestShown;
  moreTrades.hidden = olderTrades === null;
}

function applyTradesChanged(event: TradesChangedEvent) {
  if (pendingEvents) return void pendingEvents.push(event);
  // Older than the oldest row while older pages remain: "Show older trades" brings it in its place.
  table.upsert(olderTrades === null ? event.trades : event.trades.filter((trade) => !olderThanShown(trade)));
  table.remove(event.deletedIds);
}

/** The newest page, in place of whatever the table shows; then the live events that came meanwhile. */
async function loadLatestTrades() {
  pendingEvents ??= [];
  const result = await urql.query(recentTradesQuery, { first: TRADES_PAGE }).toPromise();
  // Another read may have applied the queue meanwhile (a reconnection during the first load).
  const queued = pendingEvents ?? [];
  if (!result.data) {
    // Nothing to put them after: live events go straight to the table again.
    pendingEvents = undefined;
    queued.forEach(applyTradesChanged);
    return showError(result.error?.message);
  }
  table.replaceAll(result.data.recentTrades.nodes);
  oldestShown = undefined;
  showPage(result.data.recentTrades);
  pendingEvents = undefined;
  queued.forEach(applyTradesChanged);
}

/**
 * After a reconnection. With a cursor, the subscription sends every change
 * it missed (deletions too), and the newest page is merged in; without one,
 * the table is read again from the newest page.
 */
async function refreshLatestTrades() {
  if (!tradesResume) return loadLatestTrades();
  const result = await urql.query(recentTradesQuery, { first: TRADES_PAGE }).toPromise();
  if (result.data) table.upsert(result.data.recentTrades.nodes);
}

moreTrades.addEventListener('click', async () => {
  if (olderTrades === null) return;
  moreTrades.disabled = true;
  try {
    const result = await urql
      .query(recentTradesQuery, { first: TRADES_PAGE, after: olderTrades })
      .toPromise();
    if (!result.data) return showError(result.error?.message);
    table.appendOlder(result.data.recentTrades.nodes);
    showPage(result.data.recentTrades);
  } finally {
    moreTrades.disabled = false;
  }
});

function showError(message = 'the server did not answer') {
  showConnection('offline', `Could not load: ${message}`);
}

/**
 * Follows a subscription; when it ends with an error (its cursor expired,
 * a limit, a refused token), says so, and starts it again a little later
 * without a cursor, after `recover` has read again what the page shows.
 */
function follow<Data>(
  start: () => {
    subscribe(sink: (result: { data?: Data; error?: { message: string } }) => void): { unsubscribe(): void };
  },
  onData: (data: Data) => void,
  recover: () => void,
): () => void {
  let current: { unsubscribe(): void } | undefined;
  let restart: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    current = start().subscribe((result) => {
      if (result.data) {
        // Flowing again after a stop: the status says so.
        if (connection.classList.contains('offline')) showConnection('live', 'Live');
        return onData(result.data);
      }
      if (!result.error) return;
      current?.unsubscribe();
      showConnection('offline', `Live updates stopped (${result.error.message}); trying again…`);
      restart = setTimeout(
        () => {
          recover();
          run();
        },
        RESTART_DELAY_MS * (1 + Math.random()),
      );
    });
  };
  run();
  return () => {
    clearTimeout(restart);
    current?.unsubscribe();
  };
}

/** Trades as producers write them, from the moment the page opened. */
follow(
  () => urql.subscription(tradesChangedSubscription, {}),
  ({ tradesChanged }) => {
    tradesResume = true;
    applyTradesChanged(tradesChanged);
  },
  () => {
    tradesResume = false;
    void loadLatestTrades();
  },
);

let historyRefresh: ReturnType<typeof setTimeout> | undefined;
let stopHistory = () => {};

/** The chosen interval's points: any change (the ongoing one rewritten, most often) redraws the chart. */
function followHistory() {
  stopHistory();
  stopHistory = follow(
    () => urql.subscription(portfolioHistoryChangedSubscription, { interval }),
    () => {
      clearTimeout(historyRefresh);
      historyRefresh = setTimeout(() => void loadOverview(), HISTORY_REFRESH_DELAY_MS);
    },
    () => void loadOverview(),
  );
}

for (const input of document.querySelectorAll<HTMLInputElement>(
  'input[name="interval"], input[name="range"]',
)) {
  input.addEventListener('change', () => {
    if (!input.checked) return;
    if (input.name === 'interval') {
      interval = input.value as Interval;
      followHistory();
    } else range = input.value as Range;
    void loadOverview();
  });
}

followHistory();
// The first render: the chart and the table both drawn, timed from navigation.
void Promise.all([loadOverview(), loadLatestTrades()]).then(() => {
  performance.mark('folioql:first-render');
  document.body.dataset.rendered = 'true';
});
