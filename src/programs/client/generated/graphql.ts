/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** The length of time one portfolio history point covers (SQL type interval_enum). */
export type Interval =
  /** One day from the point's timestamp (SQL value day). */
  | 'DAY'
  /** Seven days from the point's timestamp (SQL value week). */
  | 'WEEK';

/** The exchange a trade or history point belongs to (SQL type market_enum). */
export type Market =
  /** The Kraken exchange (SQL value kraken). */
  | 'KRAKEN';

/** A history point to insert, or to rewrite in place if a point with its market, interval and timestamp exists. Every value is replaced: a value left out is stored as null. */
export type PortfolioHistoryInput = {
  /** BTC's return over the interval, in percent. */
  benchmarkBtcIntervalPctReturn?: string | null | undefined;
  /** The value had it been held in BTC. */
  benchmarkBtcValue?: string | null | undefined;
  /** ETH's return over the interval, in percent. */
  benchmarkEthIntervalPctReturn?: string | null | undefined;
  /** The value had it been held in ETH. */
  benchmarkEthValue?: string | null | undefined;
  /** The interval length. */
  interval: Interval;
  /** Return over the interval, in percent. */
  intervalPctReturn?: string | null | undefined;
  /** The market. */
  market: Market;
  /** Start of the interval. */
  timestamp: number;
  /** When the producer computed the point; the time of the write when left out. */
  updatedAt?: number | null | undefined;
  /** The part held in US dollars. */
  usdHeld?: string | null | undefined;
  /** Value of the portfolio in US dollars. */
  usdTotalValue?: string | null | undefined;
};

/** Which way a trade went. In SQL, the boolean is_buy. */
export type Side =
  /** Bought the base asset (is_buy true). */
  | 'BUY'
  /** Sold the base asset (is_buy false). */
  | 'SELL';

/** A trade to insert, or to overwrite if a trade with its id exists. */
export type TradeInput = {
  /** Quantity of the base asset. */
  amount: string;
  /** The asset bought or sold. */
  baseAsset: string;
  /** The order id: any text up to 256 characters. */
  id: string | number;
  /** True for a buy, false for a sell. */
  isBuy: boolean;
  /** The exchange. */
  market: Market;
  /** Price in the quote asset. */
  price: string;
  /** The asset of the price. */
  quoteAsset: string;
  /** The pair, such as "BTC/USD". */
  symbol: string;
  /** When the trade executed. */
  timestamp: number;
  /** Value in US dollars. */
  usdValue: string;
};

export type LatestTradesQueryVariables = Exact<{
  limit?: number | null | undefined;
  symbol?: string | null | undefined;
}>;


export type LatestTradesQuery = { latestTrades: Array<{ id: string, timestamp: number, time: string, symbol: string, side: Side, amount: string, price: string, usdValue: string }> };

export type PortfolioHistoryPageQueryVariables = Exact<{
  interval: Interval;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type PortfolioHistoryPageQuery = { portfolioHistory: { totalCount: number, nodes: Array<{ id: string, timestamp: number, usdTotalValue: string | null, intervalPctReturn: string | null, benchmarkBtcIntervalPctReturn: string | null, benchmarkEthIntervalPctReturn: string | null }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type PortfolioPerformanceQueryVariables = Exact<{
  interval: Interval;
  from?: number | null | undefined;
  to?: number | null | undefined;
}>;


export type PortfolioPerformanceQuery = { portfolioPerformance: { pointCount: number, portfolioReturnPct: string | null, benchmarkBtcReturnPct: string | null, benchmarkEthReturnPct: string | null, maxDrawdownPct: string | null } };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { role: string, isProducer: boolean, subject: string | null, expiresAt: string | null } };

export type UpsertTradesMutationVariables = Exact<{
  trades: Array<TradeInput> | TradeInput;
}>;


export type UpsertTradesMutation = { upsertTrades: { insertedCount: number, updatedCount: number, unchangedCount: number } };

export type UpsertPortfolioHistoryMutationVariables = Exact<{
  points: Array<PortfolioHistoryInput> | PortfolioHistoryInput;
}>;


export type UpsertPortfolioHistoryMutation = { upsertPortfolioHistory: { insertedCount: number, updatedCount: number, unchangedCount: number } };

export type TradeRowFragment = { id: string, timestamp: number, symbol: string, side: Side, amount: string, price: string, usdValue: string };

export type RecentTradesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type RecentTradesQuery = { recentTrades: { nodes: Array<{ id: string, timestamp: number, symbol: string, side: Side, amount: string, price: string, usdValue: string }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type PortfolioOverviewQueryVariables = Exact<{
  interval: Interval;
  from?: number | null | undefined;
}>;


export type PortfolioOverviewQuery = { portfolioPerformance: { pointCount: number, portfolioReturnPct: string | null, benchmarkBtcReturnPct: string | null, benchmarkEthReturnPct: string | null, maxDrawdownPct: string | null, series: Array<{ timestamp: number, portfolioReturnPct: string, benchmarkBtcReturnPct: string, benchmarkEthReturnPct: string, drawdownPct: string }> }, portfolioHistory: { nodes: Array<{ id: string, timestamp: number, usdTotalValue: string | null }> } };

export type TradesChangedSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type TradesChangedSubscription = { tradesChanged: { cursor: string, deletedIds: Array<string>, trades: Array<{ id: string, timestamp: number, symbol: string, side: Side, amount: string, price: string, usdValue: string }> } };

export type PortfolioHistoryChangedSubscriptionVariables = Exact<{
  interval: Interval;
  after?: string | null | undefined;
}>;


export type PortfolioHistoryChangedSubscription = { portfolioHistoryChanged: { cursor: string, deletedIds: Array<string>, points: Array<{ id: string, timestamp: number, usdTotalValue: string | null }> } };

export const TradeRowFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TradeRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Trade"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"symbol"}},{"kind":"Field","name":{"kind":"Name","value":"side"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"usdValue"}}]}}]} as unknown as DocumentNode<TradeRowFragment, unknown>;
export const LatestTradesDocument = {"__meta__":{"hash":"sha256:f6f400fead8421314f8d1f8c7f0034cf09b05538154e31b7c187f24c7e6bf8a1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"LatestTrades"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"limit"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"latestTrades"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"limit"},"value":{"kind":"Variable","name":{"kind":"Name","value":"limit"}}},{"kind":"Argument","name":{"kind":"Name","value":"symbol"},"value":{"kind":"Variable","name":{"kind":"Name","value":"symbol"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"symbol"}},{"kind":"Field","name":{"kind":"Name","value":"side"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"usdValue"}}]}}]}}]} as unknown as DocumentNode<LatestTradesQuery, LatestTradesQueryVariables>;
export const PortfolioHistoryPageDocument = {"__meta__":{"hash":"sha256:445eade6fac50985334402936bb5f58a1ac7eeffdb8da88038b29a6de004e98b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortfolioHistoryPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"interval"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Interval"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"portfolioHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"interval"},"value":{"kind":"Variable","name":{"kind":"Name","value":"interval"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"usdTotalValue"}},{"kind":"Field","name":{"kind":"Name","value":"intervalPctReturn"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkBtcIntervalPctReturn"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkEthIntervalPctReturn"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<PortfolioHistoryPageQuery, PortfolioHistoryPageQueryVariables>;
export const PortfolioPerformanceDocument = {"__meta__":{"hash":"sha256:29c14518b536ca0a014bf860f2c36cecac2ca96f019600d85520011db3d1efc1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortfolioPerformance"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"interval"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Interval"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"EpochMillis"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"EpochMillis"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"portfolioPerformance"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"interval"},"value":{"kind":"Variable","name":{"kind":"Name","value":"interval"}}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pointCount"}},{"kind":"Field","name":{"kind":"Name","value":"portfolioReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkBtcReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkEthReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"maxDrawdownPct"}}]}}]}}]} as unknown as DocumentNode<PortfolioPerformanceQuery, PortfolioPerformanceQueryVariables>;
export const ViewerDocument = {"__meta__":{"hash":"sha256:8f14e6f2eeca3ef2af1d61162956bd1a02a378582324af58513403ad95e064d4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"isProducer"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;
export const UpsertTradesDocument = {"__meta__":{"hash":"sha256:b021e4db86c880e49da193868a0eddedee33e5b0c211d807b7d8d6c78a313046"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpsertTrades"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"trades"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TradeInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upsertTrades"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"trades"},"value":{"kind":"Variable","name":{"kind":"Name","value":"trades"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"insertedCount"}},{"kind":"Field","name":{"kind":"Name","value":"updatedCount"}},{"kind":"Field","name":{"kind":"Name","value":"unchangedCount"}}]}}]}}]} as unknown as DocumentNode<UpsertTradesMutation, UpsertTradesMutationVariables>;
export const UpsertPortfolioHistoryDocument = {"__meta__":{"hash":"sha256:bd63e89684042221e0532fa265f638eae7f5ce877fa1b06a58f39f6c10c4b946"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpsertPortfolioHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"points"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PortfolioHistoryInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upsertPortfolioHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"points"},"value":{"kind":"Variable","name":{"kind":"Name","value":"points"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"insertedCount"}},{"kind":"Field","name":{"kind":"Name","value":"updatedCount"}},{"kind":"Field","name":{"kind":"Name","value":"unchangedCount"}}]}}]}}]} as unknown as DocumentNode<UpsertPortfolioHistoryMutation, UpsertPortfolioHistoryMutationVariables>;
export const RecentTradesDocument = {"__meta__":{"hash":"sha256:e404e62b680f4b2f132f2b545432b3c4e7f0d97d82340eea2b72086b10889479"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RecentTrades"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recentTrades"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TradeRow"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TradeRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Trade"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"symbol"}},{"kind":"Field","name":{"kind":"Name","value":"side"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"usdValue"}}]}}]} as unknown as DocumentNode<RecentTradesQuery, RecentTradesQueryVariables>;
export const PortfolioOverviewDocument = {"__meta__":{"hash":"sha256:38aa9efbafab3c40f69fe69f58098b82bcf67ed85c48c8eef5967ef63f4ba234"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortfolioOverview"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"interval"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Interval"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"EpochMillis"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"portfolioPerformance"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"interval"},"value":{"kind":"Variable","name":{"kind":"Name","value":"interval"}}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pointCount"}},{"kind":"Field","name":{"kind":"Name","value":"portfolioReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkBtcReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkEthReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"maxDrawdownPct"}},{"kind":"Field","name":{"kind":"Name","value":"series"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"portfolioReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkBtcReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkEthReturnPct"}},{"kind":"Field","name":{"kind":"Name","value":"drawdownPct"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"portfolioHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"interval"},"value":{"kind":"Variable","name":{"kind":"Name","value":"interval"}}},{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"usdTotalValue"}}]}}]}}]}}]} as unknown as DocumentNode<PortfolioOverviewQuery, PortfolioOverviewQueryVariables>;
export const TradesChangedDocument = {"__meta__":{"hash":"sha256:14c6e261841c158018cf63475158815a61e12af3400037c9a3dcb0ad0106f0af"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"TradesChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tradesChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"trades"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"TradeRow"}}]}},{"kind":"Field","name":{"kind":"Name","value":"deletedIds"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"TradeRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Trade"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"symbol"}},{"kind":"Field","name":{"kind":"Name","value":"side"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"usdValue"}}]}}]} as unknown as DocumentNode<TradesChangedSubscription, TradesChangedSubscriptionVariables>;
export const PortfolioHistoryChangedDocument = {"__meta__":{"hash":"sha256:a349119b7d1243b48b85dc49f70adbb51ad9b862cd37b31af69922869e80525d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PortfolioHistoryChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"interval"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Interval"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"portfolioHistoryChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"interval"},"value":{"kind":"Variable","name":{"kind":"Name","value":"interval"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"points"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"usdTotalValue"}}]}},{"kind":"Field","name":{"kind":"Name","value":"deletedIds"}}]}}]}}]} as unknown as DocumentNode<PortfolioHistoryChangedSubscription, PortfolioHistoryChangedSubscriptionVariables>;