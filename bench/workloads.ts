/**
 * The five workloads of the benchmark, each as a folioql request and the
 * baseline request that answers the same question with the same SQL.
 */
import { seededTradeId, SYMBOLS, TRADE_COUNT, HISTORY_START } from './seed.ts';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ReadWorkload {
  kind: 'read';
  name: string;
  title: string;
  folioql: (tokens: Tokens) => HttpRequest;
  baseline: HttpRequest;
}

export interface Tokens {
  producer: string;
}

const TRADE_FIELDS = 'id time symbol isBuy amount price usdValue';
const POINT_FIELDS =
  'id timestamp time updatedAt market interval usdTotalValue usdHeld intervalPctReturn ' +
  'benchmarkBtcValue benchmarkBtcIntervalPctReturn benchmarkEthValue benchmarkEthIntervalPctReturn';

function graphqlRequest(query: string, token?: string, variables?: unknown): HttpRequest {
  return {
    method: 'POST',
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  };
}

const latestTrades = `{ latestTrades(limit: 50) { ${TRADE_FIELDS} } }`;

export const READ_WORKLOADS: ReadWorkload[] = [
  {
    kind: 'read',
    name: 'W1',
    title: 'anonymous latestTrades(limit: 50), 7 fields',
    folioql: () => graphqlRequest(latestTrades),
    baseline: { method: 'GET', path: '/latest-trades?limit=50' },
  },
  {
    kind: 'read',
    name: 'W2',
    title: 'anonymous portfolioHistory(interval: WEEK, first: 160), every field',
    folioql: () =>
      graphqlRequest(
        `{ portfolioHistory(interval: WEEK, first: 160) { totalCount ` +
          `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { ${POINT_FIELDS} } } }`,
      ),
    baseline: { method: 'GET', path: '/history?first=160' },
  },
  {
    kind: 'read',
    name: 'W4',
    title: 'producer: 52 weekly points with their first 20 trades each',
    folioql: (tokens) =>
      graphqlRequest(
        `{ portfolioHistory(interval: WEEK, first: 52) { nodes { id time usdTotalValue intervalPctReturn ` +
          `trades(first: 20) { nodes { ${TRADE_FIELDS} } pageInfo { hasNextPage } } } } }`,
        tokens.producer,
      ),
    baseline: { method: 'GET', path: '/history-with-trades?first=52&trades=20' },
  },
  {
    kind: 'read',
    name: 'W5',
    title: 'W1 with a producer token (JWT verified on every request)',
    folioql: (tokens) => graphqlRequest(latestTrades, tokens.producer),
    baseline: { method: 'GET', path: '/latest-trades?limit=50' },
  },
];

export const UPSERT_BATCH = 10_000;

/** A trade as both servers take it in W3 (GraphQL TradeInput; the baseline reads the same JSON). */
export interface TradeInputJson {
  id: string;
  timestamp: number;
  market: 'KRAKEN';
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  isBuy: boolean;
  amount: string;
  price: string;
  usdValue: string;
}

/**
 * Batch number `n` of W3: half of it new trades, half new values for seeded
 * trades. Numbers are never reused in a run, so every batch really inserts
 * 5,000 trades and changes 5,000.
 */
export function upsertBatch(n: number): TradeInputJson[] {
  const half = UPSERT_BATCH / 2;
  return Array.from({ length: UPSERT_BATCH }, (_, i) => {
    const update = i < half;
    const base = SYMBOLS[i % SYMBOLS.length]!;
    const amount = `${1 + (i % 50)}.${String(n).padStart(6, '0')}000000000123`;
    const price = `${100 + (i % 900)}.250000000000000001`;
    return {
      id: update ? seededTradeId(1 + ((n * half + i) % TRADE_COUNT)) : `N${n}-${i}`,
      timestamp: HISTORY_START + n * 1000 + i,
      market: 'KRAKEN',
      symbol: `${base}/USD`,
      baseAsset: base,
      quoteAsset: 'USD',
      isBuy: i % 2 === 0,
      amount,
      price,
      usdValue: `${(1 + (i % 50)) * (100 + (i % 900))}.5`,
    };
  });
}

export const UPSERT_MUTATION =
  'mutation Upsert($trades: [TradeInput!]!) { upsertTrades(trades: $trades) { insertedCount updatedCount unchangedCount } }';

export function upsertRequests(n: number, tokens: Tokens): { folioql: HttpRequest; baseline: HttpRequest } {
  const trades = upsertBatch(n);
  return {
    folioql: graphqlRequest(UPSERT_MUTATION, tokens.producer, { trades }),
    baseline: {
      method: 'POST',
      path: '/upsert-trades',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trades }),
    },
  };
}
