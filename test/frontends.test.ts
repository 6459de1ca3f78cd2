/**
 * folioql as Apollo and urql frontends use it: queries, paging with the
 * connection cursors, a producer mutation with a bearer token, and
 * normalized caches that see the upserted trade without refetching. Live:
 * Apollo subscribes over graphql-ws (a split link), urql over SSE (its
 * fetchExchange), and each cache takes in a trade a producer writes.
 */
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation, relayStylePagination } from '@apollo/client/utilities';
import { cacheExchange as normalizedCache } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { Client, fetchExchange, gql as urqlGql, type OperationResult } from '@urql/core';
import { eq } from 'drizzle-orm';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import { producerHeaders, producerToken } from './support/auth.ts';
import { historyPoint, resetTables, trade, tradeInput } from './support/fixtures.ts';
import { graphql } from './support/graphql.ts';
import { Collector } from './support/collector.ts';
import { startLiveServer, type LiveAppServer } from './support/live-server.ts';
import { forEachDriver } from './support/test-database.ts';
import { untilSubscribers } from './support/ws.ts';

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

/** The live feed of trades as a frontend subscribes to it: the changed rows with what its views show. */
const TRADES_CHANGED = `subscription TradesChanged {
  tradesChanged { cursor trades { id timestamp symbol amount price usdValue } deletedIds }
}`;
const TRADE_BY_ID = `query TradeById($id: ID!) { trade(id: $id) { id timestamp symbol amount price usdValue } }`;
interface TradesChangedData {
  tradesChanged: { cursor: string; trades: { id: string; price: string }[]; deletedIds: string[] };
}

/**
 * Every value a client's subscription (started by `start`, given the sink)
 * sends, and a bounded wait for the first that satisfies a condition (which
 * rejects with what did arrive).
 */
function collect<T>(
  start: (sink: { next(value: T): void; error(error: unknown): void; complete(): void }) => {
    unsubscribe(): void;
  },
) {
  const collected = new Collector<T>();
  const subscription = start({
    next: (value) => collected.push(value),
    error: (error) => collected.end(error),
    complete: () => collected.end(),
  });
  return {
    values: collected.values,
    unsubscribe: () => subscription.unsubscribe(),
    until: (matches: (value: T) => boolean, timeoutMs?: number) => collected.until(matches, timeoutMs),
  };
}

/** Whether a tradesChanged result lists the trade `id` at `price`. */
const carries = (id: string, price: string) => (data: TradesChangedData | null | undefined) =>
  data?.tradesChanged.trades.some((row) => row.id === id && row.price === price) ?? false;

forEachDriver((database) => {
  let server: LiveAppServer;
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

  /** A producer's write through the API (not the client under test), as the push scripts make it. */
  async function producerUpserts(...rows: ReturnType<typeof tradeInput>[]) {
    const result = await graphql(
      server.app,
      `
        mutation ProducerUpsert($trades: [TradeInput!]!) {
          upsertTrades(trades: $trades) {
            insertedCount
            updatedCount
          }
        }
      `,
      { trades: rows },
      await producerHeaders(),
    );
    expect(result.errors).toBeUndefined();
    // Each row new or changed: a write that changes nothing sends no event.
    expect(result.data.upsertTrades.insertedCount + result.data.upsertTrades.updatedCount).toBe(rows.length);
  }

  /** Bounded wait for the feed to have `count` subscribers left (cleanup, so the next test counts from 0). */
  async function untilSubscribersLeft(count: number) {
    await expect.poll(() => server.app.changeFeed.subscriberCount, { timeout: 5_000 }).toBe(count);
  }

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

    describe('live, with a split link: HTTP for queries and mutations, graphql-ws for subscriptions', () => {
      const liveApollo = () => {
        const wsClient = createWsClient({
          url: server.wsUrl,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: true,
        });
        const http = { requests: 0 };
        const client = new ApolloClient({
          link: ApolloLink.split(
            ({ query }) => isSubscriptionOperation(query),
            new GraphQLWsLink(wsClient),
            new HttpLink({
              uri: server.url,
              fetch: (input, init) => {
                http.requests++;
                return fetch(input, init);
              },
            }),
          ),
          cache: new InMemoryCache(),
        });
        return {
          client,
          http,
          close: async () => {
            client.stop();
            await wsClient.dispose();
          },
        };
      };

      it('receives a trade a producer upserts, and the normalized cache holds it', async () => {
        const { client, close } = liveApollo();
        const live = collect<ApolloClient.SubscribeResult<TradesChangedData>>((sink) =>
          client.subscribe<TradesChangedData>({ query: gql(TRADES_CHANGED) }).subscribe(sink),
        );
        try {
          await untilSubscribers(server.app.changeFeed, 1);
          // An old timestamp: the new trade stays out of latestTrades(limit: 3) for the tests after.
          await producerUpserts(tradeInput('live-apollo', { timestamp: T - 1000 }));
          const event = await live.until((result) =>
            carries('live-apollo', '36000.123456789012345678')(result.data),
          );
          expect(event.error).toBeUndefined();
          expect(event.data?.tradesChanged.cursor).toEqual(expect.any(String));
          // The subscription's result was written to the cache, normalized by __typename and id.
          expect((client.cache.extract() as Record<string, unknown>)['Trade:live-apollo']).toMatchObject({
            __typename: 'Trade',
            id: 'live-apollo',
            amount: '0.500000000000000000',
            price: '36000.123456789012345678',
            usdValue: '18000.061728394506172839',
          });
          expect(
            client.readFragment({
              id: client.cache.identify({ __typename: 'Trade', id: 'live-apollo' }),
              fragment: gql`
                fragment LiveTrade on Trade {
                  id
                  price
                }
              `,
            }),
          ).toEqual({ __typename: 'Trade', id: 'live-apollo', price: '36000.123456789012345678' });
        } finally {
          live.unsubscribe();
          await close();
          await untilSubscribersLeft(0);
          await database().db.delete(trades).where(eq(trades.id, 'live-apollo'));
        }
      });

      it('updates a cached trade when a producer changes it, without a refetch', async () => {
        const { client, http, close } = liveApollo();
        const latest = gql(LATEST);
        const { data } = await client.query<LatestData>({ query: latest });
        expect(data?.latestTrades.map((row) => row.id)).toEqual(['c', 'b', 'a']);
        const live = collect<ApolloClient.SubscribeResult<TradesChangedData>>((sink) =>
          client.subscribe<TradesChangedData>({ query: gql(TRADES_CHANGED) }).subscribe(sink),
        );
        try {
          await untilSubscribers(server.app.changeFeed, 1);
          await producerUpserts(tradeInput('c', { timestamp: T + 2, price: '37000.5' }));
          await live.until((result) => carries('c', '37000.500000000000000000')(result.data));
          // From the cache alone: the subscription's result changed Trade:c in place.
          const cached = client.readQuery<{ latestTrades: { id: string; price: string }[] }>({
            query: latest,
          });
          expect(cached?.latestTrades.map((row) => [row.id, row.price])).toEqual([
            ['c', '37000.500000000000000000'],
            ['b', expect.any(String)],
            ['a', '35000.000000000000000000'],
          ]);
          // One HTTP request, the query: the change came over the socket, and nothing refetched.
          expect(http.requests).toBe(1);
        } finally {
          live.unsubscribe();
          await close();
          await untilSubscribersLeft(0);
          await database().db.update(trades).set({ price: '35000', amount: '0.5' }).where(eq(trades.id, 'c'));
        }
      });
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

    describe('live, with subscriptions over SSE through the fetchExchange', () => {
      const liveUrql = () => {
        // Each request the client sends: method, operation name and the response's type.
        const requests: string[] = [];
        const client = new Client({
          url: server.url,
          // GraphQL over SSE: the fetchExchange POSTs the subscription and reads the event stream.
          fetchSubscriptions: true,
          fetch: async (input, init) => {
            const name =
              typeof init?.body === 'string'
                ? (JSON.parse(init.body) as { operationName?: string }).operationName
                : new URL(String(input)).searchParams.get('operationName');
            const response = await fetch(input, init);
            const type = response.headers.get('content-type')?.split(';')[0];
            requests.push(`${init?.method ?? 'GET'} ${name} ${type}`);
            return response;
          },
          fetchOptions: { headers: { 'x-graphql-yoga-csrf': 'urql' } },
          exchanges: [
            normalizedCache({
              keys: {
                PageInfo: () => null,
                PortfolioHistoryConnection: () => null,
                PortfolioHistoryEdge: () => null,
                UpsertTradesPayload: () => null,
                TradesChanged: () => null,
              },
              // trade(id) from the cache when the entity is there: the Trade any result brought.
              resolvers: {
                Query: { trade: (_parent, args) => ({ __typename: 'Trade', id: args.id as string }) },
              },
            }),
            fetchExchange,
          ],
        });
        return { client, requests };
      };

      it('receives a trade a producer upserts, and graphcache answers a read of it', async () => {
        const { client, requests } = liveUrql();
        const live = collect<OperationResult<TradesChangedData>>((sink) =>
          client.subscription<TradesChangedData>(urqlGql(TRADES_CHANGED), {}).subscribe(sink.next),
        );
        try {
          await untilSubscribers(server.app.changeFeed, 1);
          await producerUpserts(tradeInput('live-urql', { timestamp: T - 1000 }));
          const event = await live.until((result) =>
            carries('live-urql', '36000.123456789012345678')(result.data),
          );
          expect(event.error).toBeUndefined();
          // The subscription went over SSE: one POST, answered with an event stream.
          expect(requests).toEqual(['POST TradesChanged text/event-stream']);
          // Read from graphcache alone (cache-only): the subscription's result normalized Trade:live-urql.
          const cached = client.readQuery(urqlGql(TRADE_BY_ID), { id: 'live-urql' });
          expect(cached?.data).toEqual({
            trade: {
              id: 'live-urql',
              timestamp: T - 1000,
              symbol: 'BTC/USD',
              amount: '0.500000000000000000',
              price: '36000.123456789012345678',
              usdValue: '18000.061728394506172839',
            },
          });
        } finally {
          live.unsubscribe();
          await untilSubscribersLeft(0);
          await database().db.delete(trades).where(eq(trades.id, 'live-urql'));
        }
      });

      it('updates a cached latestTrades row when a producer changes it, without a refetch', async () => {
        const { client, requests } = liveUrql();
        const latest = urqlGql(LATEST);
        // Watched, as a component would: any refetch would show up as another result and request.
        const watched = collect<OperationResult<{ latestTrades: { id: string; price: string }[] }>>((sink) =>
          client.query(latest, {}).subscribe(sink.next),
        );
        const first = await watched.until((result) => result.data !== undefined);
        expect(first.data?.latestTrades.map((row) => row.id)).toEqual(['c', 'b', 'a']);
        const live = collect<OperationResult<TradesChangedData>>((sink) =>
          client.subscription<TradesChangedData>(urqlGql(TRADES_CHANGED), {}).subscribe(sink.next),
        );
        try {
          await untilSubscribers(server.app.changeFeed, 1);
          await producerUpserts(tradeInput('c', { timestamp: T + 2, price: '37000.5' }));
          await live.until((result) => carries('c', '37000.500000000000000000')(result.data));
          // The watched query updates from the cache, and a cache-only read agrees.
          const updated = await watched.until(
            (result) => result.data?.latestTrades[0]?.price === '37000.500000000000000000',
          );
          expect(updated.data?.latestTrades.map((row) => row.id)).toEqual(['c', 'b', 'a']);
          expect(
            client
              .readQuery(latest, {})
              ?.data.latestTrades.map((row: { id: string; price: string }) => [row.id, row.price]),
          ).toEqual([
            ['c', '37000.500000000000000000'],
            ['b', expect.any(String)],
            ['a', '35000.000000000000000000'],
          ]);
          // Two requests: the query and the subscription's stream; nothing refetched.
          expect(requests).toEqual([
            'GET Latest application/graphql-response+json',
            'POST TradesChanged text/event-stream',
          ]);
        } finally {
          live.unsubscribe();
          watched.unsubscribe();
          await untilSubscribersLeft(0);
          await database().db.update(trades).set({ price: '35000', amount: '0.5' }).where(eq(trades.id, 'c'));
        }
      });
    });
  });
});
