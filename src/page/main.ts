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
  const nonZero = value != null && /[1-9]/.test(value);
  const negative = kind === 'fall' || value?.startsWith('-');
  element.classList.toggle('up', nonZero && !negative);
  element.classList.toggle('down', nonZero && negative);
}

/** Answers to superseded reads (an older interval or range) are dropped. */
let overviewRead = 0;

async function loadOverview() {
  const read = ++overviewRead;
  const from = range === 'ALL' ? null : Date.now() - RANGE_DAYS[range] * DAY_MS;
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

let olderTrades: string | null = null;

function showPaging(hasNextPage: boolean, endCursor: string | null | undefined) {
  olderTrades = hasNextPage ? (endCursor ?? null) : null;
  moreTrades.hidden = olderTrades === null;
}

async function loadLatestTrades() {
  const result = await urql.query(recentTradesQuery, { first: TRADES_PAGE }).toPromise();
  if (!result.data) return showError(result.error?.message);
  table.replaceAll(result.data.recentTrades.nodes);
  showPaging(result.data.recentTrades.pageInfo.hasNextPage, result.data.recentTrades.pageInfo.endCursor);
}

/** After a reconnection: the newest page merged in, older pages already shown kept. */
async function refreshLatestTrades() {
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
    showPaging(result.data.recentTrades.pageInfo.hasNextPage, result.data.recentTrades.pageInfo.endCursor);
  } finally {
    moreTrades.disabled = false;
  }
});

function showError(message = 'the server did not answer') {
  showConnection('offline', `Could not load: ${message}`);
}

/** Trades as producers write them, from the moment the page opened. */
urql.subscription(tradesChangedSubscription, {}).subscribe((result) => {
  if (!result.data) return;
  table.upsert(result.data.tradesChanged.trades);
  table.remove(result.data.tradesChanged.deletedIds);
});

let historyRefresh: ReturnType<typeof setTimeout> | undefined;
let stopHistory = () => {};

/** The chosen interval's points: any change (the ongoing one rewritten, most often) redraws the chart. */
function followHistory() {
  stopHistory();
  const subscription = urql.subscription(portfolioHistoryChangedSubscription, { interval }).subscribe(() => {
    clearTimeout(historyRefresh);
    historyRefresh = setTimeout(() => void loadOverview(), HISTORY_REFRESH_DELAY_MS);
  });
  stopHistory = () => subscription.unsubscribe();
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
