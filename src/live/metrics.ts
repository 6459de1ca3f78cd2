/**
 * The change feed's Prometheus series (METRICS_PORT): subscriptions served
 * now, events handed out, and the statements the feed sent for them, which
 * stay proportional to events, not to subscribers.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChangeFeed } from './change-feed.ts';

/** A counter that reports a running total kept elsewhere. */
function totalCounter(registry: Registry, name: string, help: string, read: () => number) {
  let reported = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      this.inc(total - reported);
      reported = total;
    },
  });
}

export function registerLiveMetrics(registry: Registry, feed: ChangeFeed): void {
  new Gauge({
    name: 'folioql_subscriptions',
    help: 'Subscriptions this instance serves now, over SSE and WebSocket',
    registers: [registry],
    collect() {
      this.set(feed.subscriberCount);
    },
  });
  totalCounter(
    registry,
    'folioql_change_events_total',
    'Change-log entries this instance has read and handed to its subscribers',
    () => feed.eventsPublished,
  );
  totalCounter(
    registry,
    'folioql_live_statements_total',
    'Statements the change feed sent: catching up, replays and rows of events, per role',
    () => feed.statements,
  );
}
