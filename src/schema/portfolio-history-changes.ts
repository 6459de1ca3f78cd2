/**
 * Subscription.portfolioHistoryChanged: each committed write that touched
 * points of the interval (and market) asked for. The ongoing interval's point
 * comes again each time the producer rewrites it with new values.
 */
import type { PortfolioHistoryPoint as PointRow } from '../db/schema.ts';
import { builder } from './builder.ts';
import { afterArgDescription, changeEventFields, subscribeToChanges, type ChangePayload } from './changes.ts';
import { Interval, Market } from './enums.ts';
import { PortfolioHistoryPoint } from './portfolio-history.ts';

interface HistoryChangedPayload extends ChangePayload {
  points: PointRow[];
  deletedIds: number[];
}

const PortfolioHistoryChanged = builder
  .objectRef<HistoryChangedPayload>('PortfolioHistoryChanged')
  .implement({
    description: 'One committed write of history points: what it inserted or rewrote, and what it deleted.',
    fields: (t) => ({
      ...changeEventFields(t),
      points: t.field({
        type: [PortfolioHistoryPoint],
        description:
          'The points the write inserted or rewrote with new values, as they are now (a point deleted since is left out).',
        resolve: (payload) => payload.points,
      }),
      deletedIds: t.idList({
        description: 'Database ids of the points the write deleted.',
        resolve: (payload) => payload.deletedIds,
      }),
    }),
  });

builder.subscriptionField('portfolioHistoryChanged', (t) =>
  t.field({
    type: PortfolioHistoryChanged,
    description:
      'One event per committed write that touched points of this interval length (and market). Anyone may subscribe.',
    args: {
      interval: t.arg({ type: Interval, required: true, description: 'Only points of this length.' }),
      market: t.arg({ type: Market, description: 'Only points of this exchange.' }),
      after: t.arg.string({ description: afterArgDescription }),
    },
    subscribe: (_root, args, ctx, info) => {
      const matches = (point: { interval: string | null; market: string | null }) =>
        point.interval === args.interval && (args.market == null || point.market === args.market);
      const filter = { interval: args.interval, market: args.market ?? null };
      return subscribeToChanges<HistoryChangedPayload>(ctx, info, args.after, filter, async (event, role) => {
        const changes = event.entry.history;
        if (!changes) return undefined;
        // Matched by what the log recorded at the write (see trade-changes.ts).
        const upserted = changes.upserted.filter(matches);
        const deletedIds = changes.deleted.filter(matches).map((point) => point.id);
        if (upserted.length === 0 && deletedIds.length === 0) return undefined;
        const rows = upserted.length ? (await event.rowsFor(role)).points : new Map<number, PointRow>();
        const points = upserted.flatMap(({ id }) => rows.get(id) ?? []);
        return { points, deletedIds };
      });
    },
    resolve: (payload) => payload,
  }),
);
