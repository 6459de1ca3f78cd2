/**
 * The per-request context: built once for every HTTP request, shared by all
 * resolvers of that request and never by two requests.
 */
import type { Authenticate, Viewer } from './auth/authenticate.ts';
import type { Database } from './db/database.ts';
import type { WithRoleTransaction } from './db/role-transaction.ts';
import type { Loaders } from './db/loaders.ts';
import type { ChangeSet } from './db/change-log.ts';
import type { ChangeFeed } from './live/change-feed.ts';

/** Server settings resolvers need, the same for every request. */
export interface RequestSettings {
  /** The roles that may use the producer API, for error messages. */
  producerRoles: readonly string[];
  /** The role of requests without a token: the live feed reads the change log (ids only) as it. */
  anonymousRole: string;
  /** Most rows one mutation may write or delete. */
  maxBatchSize: number;
  /** Longest one SQL statement may run, in milliseconds. */
  statementTimeoutMs: number;
  /** Longest one operation may take in all, waits included, in milliseconds (OPERATION_TIMEOUT_MS). */
  operationTimeoutMs: number;
  /** How long the change log keeps events for resuming subscribers (CHANGES_RETENTION_MS); 0 keeps all. */
  changesRetentionMs: number;
}

export interface Context {
  /** Who the request acts as: its PostgreSQL role and token claims. */
  viewer: Viewer;
  settings: RequestSettings;
  /**
   * The database handle every resolver queries through: the operation's
   * transaction, already switched to the viewer's role. Set by the
   * operation-transaction plugin, the one place a request's handle is made.
   */
  db: Database;
  /** Batching loaders bound to `db`; made with it, for each operation. */
  loaders: Loaders;
  /**
   * The one way to the database: a transaction under a viewer's role, after
   * admission, retried where the database gave up on it. Queries and
   * mutations reach it through the operation-transaction plugin; a
   * subscription event handler calls it the same way.
   */
  withRoleTransaction: WithRoleTransaction;
  /**
   * What the operation's writes changed, recorded in the change log (and
   * announced to subscribers) as its transaction's last statement. Made with
   * `db`, for each attempt.
   */
  changes: ChangeSet;
  /** This instance's feed of committed changes, which subscriptions read from. */
  live: ChangeFeed;
}

/** What every request's context shares with every other: made once per app. */
export interface SharedContext {
  withRoleTransaction: WithRoleTransaction;
  live: ChangeFeed;
}

/** Stands in for `db` and `loaders` until an operation's transaction begins, so a stray query fails loudly. */
function outsideAnOperation<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_, property) {
      throw new Error(`ctx.${name}.${String(property)} used outside an operation's transaction`);
    },
  });
}

/** The viewer of each request, authenticated once however many ask (the rate limit asks before parsing). */
export type ViewerOf = (request: Request) => Promise<Viewer>;

export function viewerOnce(authenticate: Authenticate): ViewerOf {
  const viewers = new WeakMap<Request, Promise<Viewer>>();
  return (request) => {
    let viewer = viewers.get(request);
    if (!viewer) viewers.set(request, (viewer = authenticate(request.headers.get('authorization'))));
    return viewer;
  };
}

export async function createRequestContext(
  request: Request,
  viewerOf: ViewerOf,
  settings: RequestSettings,
  shared: SharedContext,
): Promise<Context> {
  return {
    viewer: await viewerOf(request),
    settings,
    db: outsideAnOperation('db'),
    loaders: outsideAnOperation('loaders'),
    changes: outsideAnOperation('changes'),
    ...shared,
  };
}
