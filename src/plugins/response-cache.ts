/**
 * RESPONSE_CACHE_TTL_MS: answers to anonymous reads kept in memory and
 * served again to anyone who asks the same (document, variables, operation
 * name), without running them, with an `ETag` that a client can send back
 * as `If-None-Match` for a 304 with no body.
 *
 * Only requests without an Authorization header are cached: one cache for
 * the anonymous role, never a producer's answers. Answers with errors are
 * not cached. Every change any instance commits empties this instance's
 * cache: the change feed (live/change-feed.ts) tells it, and the cache key
 * carries a generation that each change moves on, so an answer is at most
 * as stale as the time a change takes to reach the instance (the feed's
 * notification, or CHANGES_POLL_MS if one was lost), and never older than
 * the TTL. Until the feed listens, nothing is cached.
 */
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import type { ChangeFeed } from '../live/change-feed.ts';

/** How long to wait before trying again to follow the changes, when the database was away. */
const FOLLOW_RETRY_MS = 5_000;

export function useAnonymousResponseCache(
  ttlMs: number,
  feed: ChangeFeed,
  logger: YogaLogger,
): Plugin | Record<string, never> {
  if (ttlMs <= 0) return {};
  let following = false;
  let generation = 0;
  let retry: NodeJS.Timeout | undefined;
  const follow = () => {
    feed
      .follow(() => {
        generation++;
      })
      .then(
        () => {
          following = true;
          // What was cached before the feed listened may predate a change it missed.
          generation++;
        },
        (error: unknown) => {
          logger.warn('Response cache: cannot follow the changes yet; caching nothing until it can', error);
          retry = setTimeout(follow, FOLLOW_RETRY_MS);
          retry.unref();
        },
      );
  };
  follow();

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        useResponseCache({
          ttl: ttlMs,
          enabled: (request) => following && !request.headers.has('authorization'),
          // The generation in the key: a change makes every earlier answer unreachable.
          session: () => `anonymous:${generation}`,
          shouldCacheResult: ({ result }) => {
            if (result.errors?.length) return false;
            // Kept by the server, revalidated by clients: a browser or CDN
            // asks again with If-None-Match and gets a 304 while nothing changed.
            const extensions = (result.extensions ??= {}) as { http?: { headers?: Record<string, string> } };
            const http = (extensions.http ??= {});
            (http.headers ??= {})['Cache-Control'] = 'public, no-cache';
            return true;
          },
        }) as Plugin,
      );
    },
    onDispose() {
      clearTimeout(retry);
    },
  };
}
