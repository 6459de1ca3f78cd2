/**
 * The operations folioql's own typed client ships: what a frontend reads and
 * what a producer writes. `npm run codegen` turns them into typed documents
 * (./generated) and the trusted-documents manifest.
 */
import { graphql } from './generated/index.js';

export const latestTradesQuery = graphql(`
  query LatestTrades($limit: Int, $symbol: String) {
    latestTrades(limit: $limit, symbol: $symbol) {
      id
      timestamp
      time
      symbol
      side
      amount
      price
      usdValue
    }
  }
`);

export const portfolioHistoryPageQuery = graphql(`
  query PortfolioHistoryPage($interval: Interval!, $first: Int, $after: String) {
    portfolioHistory(interval: $interval, first: $first, after: $after) {
      totalCount
      nodes {
        id
        timestamp
        usdTotalValue
        intervalPctReturn
        benchmarkBtcIntervalPctReturn
        benchmarkEthIntervalPctReturn
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const portfolioPerformanceQuery = graphql(`
  query PortfolioPerformance($interval: Interval!, $from: EpochMillis, $to: EpochMillis) {
    portfolioPerformance(interval: $interval, from: $from, to: $to) {
      pointCount
      portfolioReturnPct
      benchmarkBtcReturnPct
      benchmarkEthReturnPct
      maxDrawdownPct
    }
  }
`);

export const viewerQuery = graphql(`
  query Viewer {
    viewer {
      role
      isProducer
      subject
      expiresAt
    }
  }
`);

export const upsertTradesMutation = graphql(`
  mutation UpsertTrades($trades: [TradeInput!]!) {
    upsertTrades(trades: $trades) {
      insertedCount
      updatedCount
      unchangedCount
    }
  }
`);

export const upsertPortfolioHistoryMutation = graphql(`
  mutation UpsertPortfolioHistory($points: [PortfolioHistoryInput!]!) {
    upsertPortfolioHistory(points: $points) {
      insertedCount
      updatedCount
      unchangedCount
    }
  }
`);

/** The trade as a list of trades shows it. */
export const tradeRowFragment = graphql(`
  fragment TradeRow on Trade {
    id
    timestamp
    symbol
    side
    amount
    price
    usdValue
  }
`);

export const recentTradesQuery = graphql(`
  query RecentTrades($first: Int, $after: String) {
    recentTrades(first: $first, after: $after) {
      nodes {
        ...TradeRow
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** The live page's chart and headline: the range's performance and the latest point's value. */
export const portfolioOverviewQuery = graphql(`
  query PortfolioOverview($interval: Interval!, $from: EpochMillis) {
    portfolioPerformance(interval: $interval, from: $from) {
      pointCount
      portfolioReturnPct
      benchmarkBtcReturnPct
      benchmarkEthReturnPct
      maxDrawdownPct
      series {
        timestamp
        portfolioReturnPct
        benchmarkBtcReturnPct
        benchmarkEthReturnPct
        drawdownPct
      }
    }
    portfolioHistory(interval: $interval, last: 1) {
      nodes {
        id
        timestamp
        usdTotalValue
      }
    }
  }
`);

/** Trades as producers write them; `after` resumes (the client keeps it current). */
export const tradesChangedSubscription = graphql(`
  subscription TradesChanged($after: String) {
    tradesChanged(after: $after) {
      cursor
      trades {
        ...TradeRow
      }
      deletedIds
    }
  }
`);

export const portfolioHistoryChangedSubscription = graphql(`
  subscription PortfolioHistoryChanged($interval: Interval!, $after: String) {
    portfolioHistoryChanged(interval: $interval, after: $after) {
      cursor
      points {
        id
        timestamp
        usdTotalValue
      }
      deletedIds
    }
  }
`);
