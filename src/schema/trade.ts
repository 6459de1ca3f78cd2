/**
 * Trades: one fill of an order on an exchange, as the producer reported it.
 * Anyone may read the latest; the full list is the producer's, as the
 * all-trades view of the PostgREST deployment was. Writes: trade-writes.ts.
 */
import { trades, type Trade as TradeRow } from '../db/schema.ts';
import {
  compileTradeWhere,
  selectLatestTrades,
  selectTradeById,
  sideOf,
  tradeIdKey,
  tradeListFilter,
  tradeColumns,
  tradeSortFields,
} from '../db/trades.ts';
import type { WhereShape } from '../db/columns.ts';
import { badUserInput } from '../errors.ts';
import { abbreviate, checkWellFormed } from '../input-values.ts';
import { builder } from './builder.ts';
import { Market, Side } from './enums.ts';
import { objectFieldsOf, orderValuesOf, whereFieldsOf } from './columns.ts';
import { SideFilter } from './filters.ts';
import { argumentName, fieldPath } from './resolver-info.ts';
import { instantFields } from './instant-fields.ts';
import { orderingOf, resolveKeysetConnection } from './pagination.ts';
import { EpochMillis } from './scalars.ts';

export const LATEST_TRADES_MAX = 1000;
export const TRADES_PAGE = { defaultSize: 100, maxSize: 1000 };

/** A stored trade as errors about its values name it. */
const tradeRowName = (trade: TradeRow) => `the trades row with id ${JSON.stringify(abbreviate(trade.id))}`;

export const Trade = builder.objectRef<TradeRow>('Trade').implement({
  description: 'One executed trade (a fill), as reported by the producer.',
  fields: (t) =>
    objectFieldsOf(t, trades, tradeColumns, {
      rowName: tradeRowName,
      special: {
        timestamp: () => instantFields(t, tradeColumns.timestamp.description, tradeRowName),
        isBuy: () => ({
          isBuy: t.exposeBoolean('isBuy', { description: tradeColumns.isBuy.description }),
          side: t.field({
            type: Side,
            description: 'BUY or SELL: isBuy as an enum, for filters and grouping.',
            resolve: (trade) => sideOf(trade.isBuy),
          }),
        }),
      },
    }),
});

/** The connection type of every list of trades. */
export const TradeConnection = builder.connectionObject(
  { type: Trade, name: 'TradeConnection', description: 'A page of trades.' },
  { name: 'TradeEdge', description: 'A trade and its cursor.' },
);

builder.queryField('latestTrades', (t) =>
  t.field({
    type: [Trade],
    description: 'The most recent trades, newest first; trades at the same millisecond are ordered by id.',
    complexity: (args) => ({ field: 1, multiplier: args.limit ?? 20 }),
    args: {
      limit: t.arg.int({
        defaultValue: 20,
        description: `How many trades to return, from 1 to ${LATEST_TRADES_MAX}.`,
      }),
      market: t.arg({ type: Market, description: 'Only trades on this exchange.' }),
      symbol: t.arg.string({ description: 'Only trades of this pair, such as "BTC/USD".' }),
    },
    resolve: (_root, args, ctx, info) => {
      const { limit } = args;
      if (limit == null || limit < 1 || limit > LATEST_TRADES_MAX) {
        throw badUserInput(
          `${argumentName(info, 'limit')} must be from 1 to ${LATEST_TRADES_MAX}, got ${limit}`,
        );
      }
      if (args.symbol != null) checkWellFormed(args.symbol, argumentName(info, 'symbol'));
      return selectLatestTrades(ctx.db, { limit, market: args.market, symbol: args.symbol });
    },
  }),
);

export const TradeWhere = builder.inputRef<WhereShape>('TradeWhere').implement({
  description: 'Conditions on trades: all given must hold; `and` and `or` combine further conditions.',
  fields: (t) => ({
    ...whereFieldsOf(t, trades, tradeColumns, { side: SideFilter }),
    and: t.field({ type: [TradeWhere], description: 'Conditions that must all hold as well.' }),
    or: t.field({ type: [TradeWhere], description: 'Conditions of which at least one must hold as well.' }),
  }),
});

/** Newest first, trades of one millisecond in id order: the default everywhere. */
export const newestTradesFirst = orderingOf(['timestamp_desc'], tradeSortFields, tradeIdKey, 'orderBy');

export const TradeOrder = builder.enumType('TradeOrder', {
  description: 'A way to order trades. Trades equal on every ordering given come in id order.',
  values: orderValuesOf(trades, tradeColumns),
});

builder.queryField('trades', (t) =>
  t.connection(
    {
      type: Trade,
      authScopes: { producer: true },
      complexity: (args) => ({ field: 1, multiplier: args.first ?? args.last ?? TRADES_PAGE.defaultSize }),
      description: `Every trade, newest first unless \`orderBy\` says otherwise, ${TRADES_PAGE.defaultSize} a page by default and at most ${TRADES_PAGE.maxSize}. Producer only.`,
      args: {
        where: t.arg({ type: TradeWhere, description: 'Only trades meeting these conditions.' }),
        orderBy: t.arg({
          type: [TradeOrder],
          description:
            'The order, most significant first; ties always end in id order. Cursors belong to one order.',
        }),
        market: t.arg({ type: Market, description: 'Only trades on this exchange.' }),
        symbol: t.arg.string({ description: 'Only trades of this pair, such as "BTC/USD".' }),
        isBuy: t.arg.boolean({ description: 'Only buys (true) or only sells (false).' }),
        from: t.arg({ type: EpochMillis, description: 'Only trades at or after this instant.' }),
        to: t.arg({ type: EpochMillis, description: 'Only trades before this instant (exclusive).' }),
      },
      resolve: (_root, args, ctx, info) => {
        if (args.symbol != null) checkWellFormed(args.symbol, argumentName(info, 'symbol'));
        return resolveKeysetConnection({
          db: ctx.db,
          table: trades,
          args,
          fieldName: fieldPath(info),
          ordering: args.orderBy?.length
            ? orderingOf(args.orderBy, tradeSortFields, tradeIdKey, argumentName(info, 'orderBy'))
            : newestTradesFirst,
          limits: TRADES_PAGE,
          filter: tradeListFilter(
            args.where ? compileTradeWhere(args.where, argumentName(info, 'where')) : undefined,
            args,
          ),
        });
      },
    },
    TradeConnection,
  ),
);

/** The public pages of latest trades: newest first only, the order the index serves. */
export const RECENT_TRADES_PAGE = { defaultSize: 50, maxSize: LATEST_TRADES_MAX };

builder.queryField('recentTrades', (t) =>
  t.connection(
    {
      type: Trade,
      complexity: (args) => ({
        field: 1,
        multiplier: args.first ?? args.last ?? RECENT_TRADES_PAGE.defaultSize,
      }),
      description: `The latest trades page by page, newest first (trades of one millisecond in id order), ${RECENT_TRADES_PAGE.defaultSize} a page by default and at most ${RECENT_TRADES_PAGE.maxSize}: latestTrades with cursors, for "show older trades". Anyone may read it; each page is one read of the newest-first index (of the pair's, with \`symbol\`). Its totalCount is refused: counting every trade is for producers (Query.trades).`,
      args: {
        symbol: t.arg.string({ description: 'Only trades of this pair, such as "BTC/USD".' }),
      },
      resolve: async (_root, args, ctx, info) => {
        if (args.symbol != null) checkWellFormed(args.symbol, argumentName(info, 'symbol'));
        const connection = await resolveKeysetConnection({
          db: ctx.db,
          table: trades,
          args,
          fieldName: fieldPath(info),
          ordering: newestTradesFirst,
          limits: RECENT_TRADES_PAGE,
          filter: tradeListFilter(undefined, args),
        });
        // A count of the whole table, on a public field, would let anyone make the database read all of it.
        return {
          ...connection,
          totalCount: () =>
            Promise.reject(
              badUserInput(
                `${fieldPath(info)} does not count its trades: page with first and after, or count with Query.trades (producer only)`,
              ),
            ),
        };
      },
    },
    TradeConnection,
  ),
);

builder.queryField('trade', (t) =>
  t.field({
    type: Trade,
    nullable: true,
    authScopes: { producer: true },
    description: 'One trade by its order id, or null if there is none. Producer only, like Query.trades.',
    args: { id: t.arg.id({ required: true, description: "The producer's order id." }) },
    resolve: (_root, { id }, ctx, info) => {
      checkWellFormed(String(id), argumentName(info, 'id'));
      return selectTradeById(ctx.db, String(id));
    },
  }),
);
