/**
 * Subscription.tradesChanged: each committed write that touched trades of
 * the market and pair asked for.
 */
import type { Trade as TradeRow } from '../db/schema.ts';
import { checkWellFormed } from '../input-values.ts';
import { builder } from './builder.ts';
import { afterArgDescription, changeEventFields, subscribeToChanges, type ChangePayload } from './changes.ts';
import { Market } from './enums.ts';
import { argumentName } from './resolver-info.ts';
import { Trade } from './trade.ts';

interface TradesChangedPayload extends ChangePayload {
  trades: TradeRow[];
  deletedIds: string[];
}

const TradesChanged = builder.objectRef<TradesChangedPayload>('TradesChanged').implement({
  description: 'One committed write of trades: what it inserted or changed, and what it deleted.',
  fields: (t) => ({
    ...changeEventFields(t),
    trades: t.field({
      type: [Trade],
      description:
        'The trades the write inserted or changed, as they are now (a trade deleted since is left out: a later event lists it in deletedIds).',
      resolve: (payload) => payload.trades,
    }),
    deletedIds: t.idList({
      description: 'Order ids of the trades the write deleted.',
      resolve: (payload) => payload.deletedIds,
    }),
  }),
});

builder.subscriptionField('tradesChanged', (t) =>
  t.field({
    type: TradesChanged,
    description:
      'One event per committed write that touched matching trades (writes that touched none are not sent). Anyone may subscribe.',
    args: {
      market: t.arg({ type: Market, description: 'Only trades on this exchange.' }),
      symbol: t.arg.string({ description: 'Only trades of this pair, such as "BTC/USD".' }),
      after: t.arg.string({ description: afterArgDescription }),
    },
    subscribe: (_root, args, ctx, info) => {
      if (args.symbol != null) checkWellFormed(args.symbol, argumentName(info, 'symbol'));
      const matches = (trade: { market: string; symbol: string }) =>
        (args.market == null || trade.market === args.market) &&
        (args.symbol == null || trade.symbol === args.symbol);
      const filter = { market: args.market ?? null, symbol: args.symbol ?? null };
      return subscribeToChanges<TradesChangedPayload>(ctx, info, args.after, filter, async (event, role) => {
        const changes = event.entry.trades;
        if (!changes) return undefined;
        // Matched by what the log recorded at the write, so every matching
        // write is sent, even one whose rows were deleted since.
        const upserted = changes.upserted.filter(matches);
        const deletedIds = changes.deleted.filter(matches).map((trade) => trade.id);
        if (upserted.length === 0 && deletedIds.length === 0) return undefined;
        const rows = upserted.length ? (await event.rowsFor(role)).trades : new Map<string, TradeRow>();
        // In the order the write reported them; a trade deleted since is left out.
        const trades = upserted.flatMap(({ id }) => rows.get(id) ?? []);
        return { trades, deletedIds };
      });
    },
    resolve: (payload) => payload,
  }),
);
