/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query LatestTrades($limit: Int, $symbol: String) {\n    latestTrades(limit: $limit, symbol: $symbol) {\n      id\n      timestamp\n      time\n      symbol\n      side\n      amount\n      price\n      usdValue\n    }\n  }\n": typeof types.LatestTradesDocument,
    "\n  query PortfolioHistoryPage($interval: Interval!, $first: Int, $after: String) {\n    portfolioHistory(interval: $interval, first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n        intervalPctReturn\n        benchmarkBtcIntervalPctReturn\n        benchmarkEthIntervalPctReturn\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.PortfolioHistoryPageDocument,
    "\n  query PortfolioPerformance($interval: Interval!, $from: EpochMillis, $to: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from, to: $to) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n    }\n  }\n": typeof types.PortfolioPerformanceDocument,
    "\n  query Viewer {\n    viewer {\n      role\n      isProducer\n      subject\n      expiresAt\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  mutation UpsertTrades($trades: [TradeInput!]!) {\n    upsertTrades(trades: $trades) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n": typeof types.UpsertTradesDocument,
    "\n  mutation UpsertPortfolioHistory($points: [PortfolioHistoryInput!]!) {\n    upsertPortfolioHistory(points: $points) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n": typeof types.UpsertPortfolioHistoryDocument,
    "\n  fragment TradeRow on Trade {\n    id\n    timestamp\n    symbol\n    side\n    amount\n    price\n    usdValue\n  }\n": typeof types.TradeRowFragmentDoc,
    "\n  query RecentTrades($first: Int, $after: String) {\n    recentTrades(first: $first, after: $after) {\n      nodes {\n        ...TradeRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.RecentTradesDocument,
    "\n  query PortfolioOverview($interval: Interval!, $from: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n      series {\n        timestamp\n        portfolioReturnPct\n        benchmarkBtcReturnPct\n        benchmarkEthReturnPct\n        drawdownPct\n      }\n    }\n    portfolioHistory(interval: $interval, last: 1) {\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n      }\n    }\n  }\n": typeof types.PortfolioOverviewDocument,
    "\n  subscription TradesChanged($after: String) {\n    tradesChanged(after: $after) {\n      cursor\n      trades {\n        ...TradeRow\n      }\n      deletedIds\n    }\n  }\n": typeof types.TradesChangedDocument,
    "\n  subscription PortfolioHistoryChanged($interval: Interval!, $after: String) {\n    portfolioHistoryChanged(interval: $interval, after: $after) {\n      cursor\n      points {\n        id\n        timestamp\n        usdTotalValue\n      }\n      deletedIds\n    }\n  }\n": typeof types.PortfolioHistoryChangedDocument,
};
const documents: Documents = {
    "\n  query LatestTrades($limit: Int, $symbol: String) {\n    latestTrades(limit: $limit, symbol: $symbol) {\n      id\n      timestamp\n      time\n      symbol\n      side\n      amount\n      price\n      usdValue\n    }\n  }\n": types.LatestTradesDocument,
    "\n  query PortfolioHistoryPage($interval: Interval!, $first: Int, $after: String) {\n    portfolioHistory(interval: $interval, first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n        intervalPctReturn\n        benchmarkBtcIntervalPctReturn\n        benchmarkEthIntervalPctReturn\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.PortfolioHistoryPageDocument,
    "\n  query PortfolioPerformance($interval: Interval!, $from: EpochMillis, $to: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from, to: $to) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n    }\n  }\n": types.PortfolioPerformanceDocument,
    "\n  query Viewer {\n    viewer {\n      role\n      isProducer\n      subject\n      expiresAt\n    }\n  }\n": types.ViewerDocument,
    "\n  mutation UpsertTrades($trades: [TradeInput!]!) {\n    upsertTrades(trades: $trades) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n": types.UpsertTradesDocument,
    "\n  mutation UpsertPortfolioHistory($points: [PortfolioHistoryInput!]!) {\n    upsertPortfolioHistory(points: $points) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n": types.UpsertPortfolioHistoryDocument,
    "\n  fragment TradeRow on Trade {\n    id\n    timestamp\n    symbol\n    side\n    amount\n    price\n    usdValue\n  }\n": types.TradeRowFragmentDoc,
    "\n  query RecentTrades($first: Int, $after: String) {\n    recentTrades(first: $first, after: $after) {\n      nodes {\n        ...TradeRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.RecentTradesDocument,
    "\n  query PortfolioOverview($interval: Interval!, $from: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n      series {\n        timestamp\n        portfolioReturnPct\n        benchmarkBtcReturnPct\n        benchmarkEthReturnPct\n        drawdownPct\n      }\n    }\n    portfolioHistory(interval: $interval, last: 1) {\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n      }\n    }\n  }\n": types.PortfolioOverviewDocument,
    "\n  subscription TradesChanged($after: String) {\n    tradesChanged(after: $after) {\n      cursor\n      trades {\n        ...TradeRow\n      }\n      deletedIds\n    }\n  }\n": types.TradesChangedDocument,
    "\n  subscription PortfolioHistoryChanged($interval: Interval!, $after: String) {\n    portfolioHistoryChanged(interval: $interval, after: $after) {\n      cursor\n      points {\n        id\n        timestamp\n        usdTotalValue\n      }\n      deletedIds\n    }\n  }\n": types.PortfolioHistoryChangedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LatestTrades($limit: Int, $symbol: String) {\n    latestTrades(limit: $limit, symbol: $symbol) {\n      id\n      timestamp\n      time\n      symbol\n      side\n      amount\n      price\n      usdValue\n    }\n  }\n"): (typeof documents)["\n  query LatestTrades($limit: Int, $symbol: String) {\n    latestTrades(limit: $limit, symbol: $symbol) {\n      id\n      timestamp\n      time\n      symbol\n      side\n      amount\n      price\n      usdValue\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PortfolioHistoryPage($interval: Interval!, $first: Int, $after: String) {\n    portfolioHistory(interval: $interval, first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n        intervalPctReturn\n        benchmarkBtcIntervalPctReturn\n        benchmarkEthIntervalPctReturn\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query PortfolioHistoryPage($interval: Interval!, $first: Int, $after: String) {\n    portfolioHistory(interval: $interval, first: $first, after: $after) {\n      totalCount\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n        intervalPctReturn\n        benchmarkBtcIntervalPctReturn\n        benchmarkEthIntervalPctReturn\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PortfolioPerformance($interval: Interval!, $from: EpochMillis, $to: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from, to: $to) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n    }\n  }\n"): (typeof documents)["\n  query PortfolioPerformance($interval: Interval!, $from: EpochMillis, $to: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from, to: $to) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      role\n      isProducer\n      subject\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      role\n      isProducer\n      subject\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpsertTrades($trades: [TradeInput!]!) {\n    upsertTrades(trades: $trades) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n"): (typeof documents)["\n  mutation UpsertTrades($trades: [TradeInput!]!) {\n    upsertTrades(trades: $trades) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpsertPortfolioHistory($points: [PortfolioHistoryInput!]!) {\n    upsertPortfolioHistory(points: $points) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n"): (typeof documents)["\n  mutation UpsertPortfolioHistory($points: [PortfolioHistoryInput!]!) {\n    upsertPortfolioHistory(points: $points) {\n      insertedCount\n      updatedCount\n      unchangedCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TradeRow on Trade {\n    id\n    timestamp\n    symbol\n    side\n    amount\n    price\n    usdValue\n  }\n"): (typeof documents)["\n  fragment TradeRow on Trade {\n    id\n    timestamp\n    symbol\n    side\n    amount\n    price\n    usdValue\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentTrades($first: Int, $after: String) {\n    recentTrades(first: $first, after: $after) {\n      nodes {\n        ...TradeRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query RecentTrades($first: Int, $after: String) {\n    recentTrades(first: $first, after: $after) {\n      nodes {\n        ...TradeRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PortfolioOverview($interval: Interval!, $from: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n      series {\n        timestamp\n        portfolioReturnPct\n        benchmarkBtcReturnPct\n        benchmarkEthReturnPct\n        drawdownPct\n      }\n    }\n    portfolioHistory(interval: $interval, last: 1) {\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n      }\n    }\n  }\n"): (typeof documents)["\n  query PortfolioOverview($interval: Interval!, $from: EpochMillis) {\n    portfolioPerformance(interval: $interval, from: $from) {\n      pointCount\n      portfolioReturnPct\n      benchmarkBtcReturnPct\n      benchmarkEthReturnPct\n      maxDrawdownPct\n      series {\n        timestamp\n        portfolioReturnPct\n        benchmarkBtcReturnPct\n        benchmarkEthReturnPct\n        drawdownPct\n      }\n    }\n    portfolioHistory(interval: $interval, last: 1) {\n      nodes {\n        id\n        timestamp\n        usdTotalValue\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TradesChanged($after: String) {\n    tradesChanged(after: $after) {\n      cursor\n      trades {\n        ...TradeRow\n      }\n      deletedIds\n    }\n  }\n"): (typeof documents)["\n  subscription TradesChanged($after: String) {\n    tradesChanged(after: $after) {\n      cursor\n      trades {\n        ...TradeRow\n      }\n      deletedIds\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PortfolioHistoryChanged($interval: Interval!, $after: String) {\n    portfolioHistoryChanged(interval: $interval, after: $after) {\n      cursor\n      points {\n        id\n        timestamp\n        usdTotalValue\n      }\n      deletedIds\n    }\n  }\n"): (typeof documents)["\n  subscription PortfolioHistoryChanged($interval: Interval!, $after: String) {\n    portfolioHistoryChanged(interval: $interval, after: $after) {\n      cursor\n      points {\n        id\n        timestamp\n        usdTotalValue\n      }\n      deletedIds\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;