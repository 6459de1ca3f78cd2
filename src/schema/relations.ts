/**
 * Between trades and history points: the trades inside a point's interval,
 * and the point whose interval holds a trade. Both go through the operation's
 * DataLoaders (db/loaders.ts), so a page of points with their trades takes a
 * fixed number of statements, however many points it has.
 */
import { intervalMillis } from '../db/schema.ts';
import { builder } from './builder.ts';
import { Interval } from './enums.ts';
import { fieldPath } from './resolver-info.ts';
import { resolveKeysetPage } from './pagination.ts';
import { PortfolioHistoryPoint } from './portfolio-history.ts';
import { newestTradesFirst, Trade, TradeConnection, TRADES_PAGE } from './trade.ts';

builder.objectField(PortfolioHistoryPoint, 'trades', (t) =>
  t.field({
    type: TradeConnection,
    authScopes: { producer: true },
    description:
      "The trades inside the point's interval, [timestamp, timestamp + interval), on its market (on every market for a point without one), newest first. Producer only, like Query.trades.",
    complexity: (args) => ({ field: 1, multiplier: args.first ?? TRADES_PAGE.defaultSize }),
    args: {
      first: t.arg.int({
        defaultValue: TRADES_PAGE.defaultSize,
        description: `How many trades, at most ${TRADES_PAGE.maxSize}.`,
      }),
      after: t.arg.string({ description: 'Cursor of the trade to continue after, from a previous page.' }),
    },
    resolve: (point, args, ctx, info) => {
      // A point without an interval has no window: it holds no trades.
      const length = point.interval ? intervalMillis[point.interval] : 0;
      const window = {
        market: point.market,
        start: point.timestamp,
        end: String(BigInt(point.timestamp) + BigInt(length)),
      };
      return resolveKeysetPage({
        args: { first: args.first ?? TRADES_PAGE.defaultSize, after: args.after },
        fieldName: fieldPath(info),
        ordering: newestTradesFirst,
        limits: TRADES_PAGE,
        fetch: (page) =>
          ctx.loaders.tradesInWindow.load({
            ...window,
            ordering: newestTradesFirst,
            after: page.after,
            limit: page.limit,
          }),
        count: () => ctx.loaders.tradeCountInWindow.load(window),
      });
    },
  }),
);

builder.objectField(Trade, 'historyPoint', (t) =>
  t.field({
    type: PortfolioHistoryPoint,
    nullable: true,
    description:
      "The history point of this trade's market whose interval holds the trade, or null if there is none.",
    args: { interval: t.arg({ type: Interval, required: true, description: 'Daily or weekly point.' }) },
    resolve: (trade, args, ctx) =>
      ctx.loaders.historyPointOfTrade.load({
        market: trade.market,
        interval: args.interval,
        timestamp: trade.timestamp,
      }),
  }),
);
