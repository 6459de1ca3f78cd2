/**
 * What the change subscriptions share: the Subscription type, the fields
 * every change event has (its cursor and commit time), and starting a
 * subscription on the instance's change feed (src/live/change-feed.ts).
 *
 * Anyone may subscribe, as anyone may read the latest trades: each event's
 * rows are read as the subscriber's role, and producer-only fields stay
 * producer-only, checked on every event like any other field.
 */
import type { ObjectFieldBuilder } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.ts';
import { changeIdOf } from '../db/change-log.ts';
import type { ChangeEvent } from '../live/change-feed.ts';
import { sharedEvent } from '../live/shared-execution.ts';
import { builder, type SchemaTypes } from './builder.ts';
import { argumentName } from './resolver-info.ts';
import { DateTime } from './scalars.ts';

builder.subscriptionType({
  description:
    'Live changes, sent after their transaction commits, over Server-Sent Events or graphql-ws on the GraphQL endpoint. ' +
    'Pass the last `cursor` you received as `after` to resume: every change since is sent first, in commit order, then the live ones.',
});

/** What a subscriber receives for one event: the event, and what of it matches the subscription. */
export interface ChangePayload {
  event: ChangeEvent;
}

export function changeEventFields<Payload extends ChangePayload>(
  t: ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>, Payload>,
) {
  return {
    cursor: t.string({
      description:
        'Where this event stands in the change log: pass it as `after` to resume after it, on any instance.',
      resolve: (payload) => payload.event.cursor,
    }),
    committedAt: t.field({
      type: DateTime,
      description: 'When the write was committed (to the millisecond, by the database clock).',
      resolve: (payload) => new Date(Number(payload.event.entry.committedAt)),
    }),
  };
}

export const afterArgDescription =
  'The last cursor received: first send every matching change committed after it, then the live ones. ' +
  'Without it, only changes from now on. A cursor older than CHANGES_RETENTION_MS gets CURSOR_EXPIRED.';

/**
 * Starts a subscription on the change feed: `select` picks what of each
 * event this subscriber receives (undefined skips the event). Payloads are
 * marked with their event, so subscribers with the same document, variables
 * and role share one execution per event (live/shared-execution.ts).
 */
export function subscribeToChanges<Payload extends ChangePayload>(
  ctx: Context,
  info: GraphQLResolveInfo,
  after: string | null | undefined,
  /** The subscription's filter, as a key: subscribers with equal filters (and roles) share each event's selection. */
  filter: Record<string, unknown>,
  select: (event: ChangeEvent, role: string) => Promise<Omit<Payload, 'event'> | undefined>,
): Promise<AsyncIterableIterator<Payload>> {
  const filterKey = `${info.fieldName} ${JSON.stringify(filter)}`;
  return ctx.live.subscribe<Payload>({
    role: ctx.viewer.role,
    after: after == null ? undefined : changeIdOf(after, argumentName(info, 'after')),
    endsAt: ctx.viewer.expiresAt,
    select: (event, role) =>
      event.selectOnce(`${role} ${filterKey}`, async () => {
        const selected = await select(event, role);
        return selected && sharedEvent({ ...selected, event } as Payload, event);
      }),
  });
}
