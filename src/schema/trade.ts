/**
 * Trades: one fill of an order on an exchange, as the producer reported it.
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import { trades, type Trade as TradeRow } from '../db/schema.ts';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';
import { Market } from './enums.ts';
import { instantFields } from './instant-fields.ts';
import { Decimal } from './scalars.ts';

export const LATEST_TRADES_MAX = 1000;

export const Trade = builder.objectRef<TradeRow>('Trade').implement({
  description: 'One executed trade (a fill), as reported by the producer.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The producer's order id; unique across all trades." }),
    ...instantFields(t, 'When the trade executed'),
    market: t.expose('market', { type: Market, description: 'The exchange the trade executed on.' }),
    symbol: t.exposeString('symbol', {
      description: 'The traded pair as the exchange names it, such as "BTC/USD".',
    }),
    baseAsset: t.exposeString('baseAsset', { description: 'The asset bought or sold, such as "BTC".' }),
    quoteAsset: t.exposeString('quoteAsset', {
      description: 'The asset the price is quoted in, such as "USD".',
    }),
    isBuy: t.exposeBoolean('isBuy', { description: 'True for a buy of the base asset, false for a sell.' }),
    amount: t.expose('amount', { type: Decimal, description: 'Quantity of the base asset traded.' }),
    price: t.expose('price', {
      type: Decimal,
      description: 'Price of one unit of the base asset, in the quote asset.',
    }),
    usdValue: t.expose('usdValue', { type: Decimal, description: 'Value of the trade in US dollars.' }),
  }),
});

builder.queryField('latestTrades', (t) =>
  t.field({
    type: [Trade],
    description: 'The most recent trades, newest first; trades at the same millisecond are ordered by id.',
    args: {
      limit: t.arg.int({
        defaultValue: 20,
        description: `How many trades to return, from 1 to ${LATEST_TRADES_MAX}.`,
      }),
      market: t.arg({ type: Market, description: 'Only trades on this exchange.' }),
      symbol: t.arg.string({ description: 'Only trades of this pair, such as "BTC/USD".' }),
    },
    resolve: (_root, args, ctx) => {
      const { limit } = args;
      if (limit == null || limit < 1 || limit > LATEST_TRADES_MAX) {
        throw badUserInput(
          `Argument "limit" of Query.latestTrades must be from 1 to ${LATEST_TRADES_MAX}, got ${limit}`,
        );
      }
      return ctx.db
        .select()
        .from(trades)
        .where(
          and(
            args.market ? eq(trades.market, args.market) : undefined,
            args.symbol != null ? eq(trades.symbol, args.symbol) : undefined,
          ),
        )
        .orderBy(desc(trades.timestamp), asc(trades.id))
        .limit(limit);
    },
  }),
);
