/**
 * folioql as Apollo and urql frontends use it: queries, paging with the
 * connection cursors, a producer mutation with a bearer token, and
 * normalized caches that see the upserted trade without refetching.
 */
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { cacheExchange as normalizedCache } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { Client, fetchExchange, gql as urqlGql } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import { producerToken } from './support/auth.ts';
import { historyPoint, resetTables, trade, tradeInput } from './support/fixtures.ts';
import { startLiveServer, type LiveServer } from './support/live-server.ts';
import { forEachDriver } from './support/test-database.ts';

const WEEK = 7 * 86_400_000;
const T = Date.UTC(2024, 0, 1);

const LATEST = `query Latest { latestTrades(limit: 3) { id amount price usdValue } }`;
const HISTORY = `query History($after: String) {
  portfolioHistory(interval: WEEK, first: 2, after: $after) {
    edges { cursor node { id timestamp usdTotalValue } }
    pageInfo { hasNextPage endCursor }
  }
}`;
interface LatestData {
  latestTrades: { id: string; amount: string }[];
}
interface HistoryData {
  portfolioHistory: {
    edges: { cursor: string; node: { id: string; timestamp: number } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
interface UpsertData {
  upsertTrades: { updatedCount: number };
}

const UPSERT = `mutation Upsert($trades: [TradeInput!]!) {
  upsertTrades(trades: $trades) { updatedCount trades { id amount price usdValue } }
}`;

forEachDriver((database) => {
  let server: LiveServer;
  let token: string;
  beforeAll(async () => {
    await resetTables(database().db);
    await database()
      .db.insert(portfolioHistory)
      .values(
        [0, 1, 2, 3, 4].map((week) =>
          historyPoint({ timestamp: String(T + week * WEEK), usdTotalValue: `${week}00` }),
        ),
      );
    await database()
      .db.insert(trades)
      .values(['a', 'b', 'c'].map((id, i) => trade({ id, timestamp: String(T + i), amount: '0.5' })));
    server = await startLiveServer(database());
    token = await producerToken();
  });
  afterAll(() => server.close());

  const upsertVariables = { trades: [tradeInput('b', { timestamp: T + 1, amount: '0.75' })] };

  describe('Apollo Client', () => {
    const apollo = (headers: Record<string, string> = {}) =>
      new ApolloClient({
        link: new HttpLink({ uri: server.url, headers }),
        cache: new InMemoryCache({
          typePolicies: { Query: { fields: { portfolioHistory: relayStylePagination(['interval']) } } },
        }),
      });

    it('queries the latest trades, normalized by __typename and id', async () => {
      const client = apollo();
      const { data } = await client.query<LatestData>({ query: gql(LATEST) });
      expect(data?.latestTrades.map((row) => row.id)).toEqual(['c', 'b', 'a']);
      expect((client.cache.extract() as Record<string, unknown>)['Trade:b']).toMatchObject({
        __typename: 'Trade',
        id: 'b',
        amount: '0.500000000000000000',
      });
    });

    it('pages history with the connection cursors, merging the pages in the cache', async () => {
      const client = apollo();
      const query = gql(HISTORY);
      let page = await client.query<HistoryData>({ query });
      expect(page.data?.portfolioHistory.edges).toHaveLength(2);
      for (let pages = 1; page.data?.portfolioHistory.pageInfo.hasNextPage && pages < 10; pages++) {
        const after = page.data.portfolioHistory.pageInfo.endCursor;
        // The cache already holds this field (its key ignores `after`): ask the network for the next page.
        page = await client.query<HistoryData>({ query, variables: { after }, fetchPolicy: 'network-only' });
      }
      // relayStylePagination keeps one list per interval: the pages, in order.
      const merged = client.readQuery<HistoryData>({ query });
      expect(merged?.portfolioHistory.edges.map((edge) => edge.node.timestamp)).toEqual(
        [0, 1, 2, 3, 4].map((week) => T + week * WEEK),
      );
    });

    it('writes with a bearer token, and the cached trade changes without a refetch', async () => {
      const client = apollo({ authorization: `Bearer ${token}` });
      await client.query<LatestData>({ query: gql(LATEST) });
      const result = await client.mutate<UpsertData>({ mutation: gql(UPSERT), variables: upsertVariables });
      expect(result.data?.upsertTrades.updatedCount).toBe(1);
      // Read from the cache alone: the mutation's result updated Trade:b in place.
      const cached = client.readQuery<LatestData>({ query: gql(LATEST) });
      expect(cached?.latestTrades.find((row) => row.id === 'b')?.amount).toBe('0.750000000000000000');
      await database().db.update(trades).set({ amount: '0.5' });
    });

    it('shows a producer field refused to an anonymous client as an error', async () => {
      const client = apollo();
      const failure = await client
        .mutate({ mutation: gql(UPSERT), variables: upsertVariables })
        .catch((error) => error);
      expect(String(failure)).toContain('needs the api_data_producer role');
    });
  });

  describe('urql with the normalized cache (graphcache)', () => {
    const urql = (headers: Record<string, string> = {}) =>
      new Client({
        url: server.url,
        // urql sends queries as GET, which the server takes only with its CSRF header.
        fetchOptions: { headers: { 'x-graphql-yoga-csrf': 'urql', ...headers } },
        exchanges: [
          normalizedCache({
            // Types without an id are parts of their parent, not entities.
            keys: {
              PageInfo: () => null,
              PortfolioHistoryConnection: () => null,
              PortfolioHistoryEdge: () => null,
              UpsertTradesPayload: () => null,
            },
            resolvers: { Query: { portfolioHistory: relayPagination() } },
          }),
          fetchExchange,
        ],
      });

    it('queries and pages history, merging the pages', async () => {
      const client = urql();
      const history = urqlGql(HISTORY);
      let result = await client.query(history, {}).toPromise();
      expect(result.error).toBeUndefined();
      while (result.data.portfolioHistory.pageInfo.hasNextPage) {
        result = await client
          .query(history, { after: result.data.portfolioHistory.pageInfo.endCursor })
          .toPromise();
      }
      // relayPagination merges every page into the unpaged query.
      const merged = client.readQuery(history, {});
      expect(
        merged?.data.portfolioHistory.edges.map(
          (edge: { node: { timestamp: number } }) => edge.node.timestamp,
        ),
      ).toEqual([0, 1, 2, 3, 4].map((week) => T + week * WEEK));
    });

    it('writes with a bearer token, and the cached trade changes without a refetch', async () => {
      const client = urql({ authorization: `Bearer ${token}` });
      const latest = urqlGql(LATEST);
      const before = await client.query(latest, {}).toPromise();
      expect(before.data.latestTrades.find((row: { id: string }) => row.id === 'b').amount).toBe(
        '0.500000000000000000',
      );
      const written = await client.mutation(urqlGql(UPSERT), upsertVariables).toPromise();
      expect(written.error).toBeUndefined();
      expect(
        client.readQuery(latest, {})?.data.latestTrades.find((row: { id: string }) => row.id === 'b').amount,
      ).toBe('0.750000000000000000');
      await database().db.update(trades).set({ amount: '0.5' });
    });

    it('reports a refused write as a CombinedError with the code', async () => {
      const result = await urql().mutation(urqlGql(UPSERT), upsertVariables).toPromise();
      expect(result.error?.graphQLErrors[0]?.extensions.code).toBe('FORBIDDEN');
    });
  });
});
