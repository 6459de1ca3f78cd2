/**
 * The yoga plugins, in the order they run. Yoga calls each hook (onRequest,
 * onParse, onValidate, onExecute, …) plugin by plugin in this order, and in
 * onExecute each plugin that wraps execution wraps what the plugins before it
 * set: so the order is part of the behaviour, and each step says why it
 * stands where it stands.
 *
 * The plugins that execute one operation share its state (the operation,
 * whether its variables were checked) through `OperationStates`, made here
 * once for this pipeline, and through nothing kept at module level.
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useReadinessCheck, type Plugin, type YogaLogger } from 'graphql-yoga';
import type { BrowserConfig, LimitsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { DatabaseConnection } from './db/database.ts';
import { pingWithin } from './db/readiness.ts';
import { CSRF_HEADER, useIntrospectionSwitch, useVaryOrigin } from './plugins/browser-defaults.ts';
import { useCompiledExecution } from './plugins/compiled-execution.ts';
import type { Observability } from './plugins/observability.ts';
import { useOperationLimits } from './plugins/operation-limits.ts';
import { useOperationTransaction } from './plugins/operation-transaction.ts';
import { usePortfolioPage } from './plugins/portfolio-page.ts';
import type { PageAsset } from './web/page-assets.ts';
import { OperationStates } from './plugins/operations.ts';
import { useRateLimit, type CountRequest } from './plugins/rate-limit.ts';
import { useRequestBodyLimit } from './plugins/request-body-limit.ts';
import { useAnonymousResponseCache } from './plugins/response-cache.ts';
import { useSubscriptions } from './plugins/subscriptions.ts';
import type { ChangeFeed } from './live/change-feed.ts';
import { useTrustedDocuments, type TrustedDocuments } from './plugins/trusted-documents.ts';
import { useValueErrorLocations } from './plugins/value-error-locations.ts';

export interface PipelineOptions {
  database: DatabaseConnection;
  logger: YogaLogger;
  observability: Observability;
  limits: LimitsConfig;
  trustedDocuments?: TrustedDocuments;
  compiledExecution: boolean;
  browser: BrowserConfig;
  /** Counts each request against its client's rate limit; none, no limits. */
  countRequest: CountRequest | undefined;
  readinessPath: string;
  healthTimeoutMs: number;
  live: ChangeFeed;
  /** RESPONSE_CACHE_TTL_MS; 0 for no response cache. */
  responseCacheTtlMs: number;
  /** The live page's files; none, no page (PORTFOLIO_PAGE=false). */
  pageAssets: (() => Promise<Map<string, PageAsset>>) | undefined;
}

export function pipeline(options: PipelineOptions): (Plugin<Context> | Plugin | {})[] {
  const { database, observability, browser } = options;
  const operations = new OperationStates();
  return [
    // Before all: every response, a refused one too, gets its request id and log line.
    observability.plugin,
    // The live page and its files, from memory: before the rate limit, so
    // loading the page never uses up a visitor's GraphQL requests.
    usePortfolioPage(options.pageAssets),
    // First of the checks: a client over its limit is refused before anything
    // else is done for it, before its document is even parsed.
    useRateLimit(options.countRequest),
    // A GET, or a POST of a form or text/plain, must carry this header: a page
    // of another origin cannot add it without a CORS preflight.
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
    // Before a body is read: Yoga's default is 25 MB; a client may not make
    // the server hold more than a full batch needs (LIMIT_REQUEST_BYTES).
    useRequestBodyLimit(options.limits.requestBytes),
    // Vary: Origin on every response whose CORS headers depend on the Origin.
    useVaryOrigin(browser.corsOrigins),
    // A validation rule, so refused introspection is cached with the document's validation.
    useIntrospectionSwitch(browser.introspection),
    // Trusted documents before the limits: a document not in the manifest is
    // refused before it is parsed or measured.
    options.trustedDocuments ? useTrustedDocuments(options.trustedDocuments) : {},
    // Validation only: names the argument in errors about literal values; no bearing on execution.
    useValueErrorLocations(),
    // Limits before the executors: an operation over them is refused before
    // its transaction begins. It also marks the operation's variables as
    // checked, which the compiled executor reads.
    useOperationLimits(options.limits, operations),
    // The executor before the transaction: the transaction plugin runs
    // whatever executor is set by then, once per attempt.
    options.compiledExecution ? useCompiledExecution(operations) : {},
    // Its lookup (onParams) comes before anything is parsed, measured or run,
    // and after trusted documents (an untrusted document is never run, so
    // never cached); its executor wraps the compiled one, and runs inside
    // the transaction below, which stores what it answers.
    useAnonymousResponseCache(options.responseCacheTtlMs, options.live, options.logger),
    // Last of the executors: wraps the execution in the role transaction
    // (withRoleTransaction, on the context).
    useOperationTransaction(operations),
    // Subscriptions hold no transaction: each event is executed on its own,
    // once for all equal subscribers, after the limits above let it start.
    useSubscriptions(options.live),
    // /healthz is answered in onRequest, after the plugins above have seen the
    // request (its id and log line); it reads no operation.
    useReadinessCheck({
      endpoint: options.readinessPath,
      check: async ({ fetchAPI }) => {
        try {
          await pingWithin(database, options.healthTimeoutMs);
          return fetchAPI.Response.json({ status: 'ok', database: database.driver });
        } catch (error) {
          // The reason goes to the server log, not into a public response.
          options.logger.warn('Readiness check failed: the database did not answer', error);
          return fetchAPI.Response.json(
            { status: 'unavailable', database: database.driver },
            { status: 503 },
          );
        }
      },
    }),
  ];
}
