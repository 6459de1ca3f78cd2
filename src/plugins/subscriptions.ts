/**
 * Subscriptions in the pipeline: events executed once per group of equal
 * subscribers (live/shared-execution.ts), and the instance's change feed
 * stopped, its streams ended, when the server is disposed.
 */
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import type { ChangeFeed } from '../live/change-feed.ts';
import { SharedExecution } from '../live/shared-execution.ts';

export function useSubscriptions(feed: ChangeFeed): Plugin<Context> {
  const shared = new SharedExecution();
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn((args) => shared.subscribe(args));
    },
    onDispose: () => feed.stop(),
  };
}
