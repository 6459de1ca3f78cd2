/**
 * What web pages may do with the API:
 * - CORS from an allow-list (CORS_ORIGINS). Yoga's default reflects any
 *   Origin together with `Access-Control-Allow-Credentials: true`; here a
 *   listed origin gets itself back with credentials, `*` gets any origin
 *   without credentials, and any other origin gets no CORS headers at all.
 * - Schema introspection can be switched off (INTROSPECTION=false):
 *   `__schema` and `__type` are refused by validation, `__typename` works.
 *
 * CSRF prevention is yoga's plugin (see pipeline.ts): a GraphQL request that a
 * browser may send cross-origin without a preflight (a GET, or a POST of a
 * form or text/plain) must carry CSRF_HEADER. JSON POSTs need nothing.
 */
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { CORSOptions, Plugin } from 'graphql-yoga';
import type { BrowserConfig } from '../config.ts';

/** The header a GET or a form / text/plain POST must carry (any value), or it is refused with 403. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** Request headers a page from an allowed origin may send (answered to its preflight). */
export const CORS_ALLOWED_HEADERS = ['accept', 'authorization', 'content-type', CSRF_HEADER];

/** Response headers a page may read besides the CORS-safelisted ones. */
const CORS_EXPOSED_HEADERS = ['retry-after', 'www-authenticate'];

/** How long a browser may keep a preflight's answer, in seconds. */
const CORS_MAX_AGE = 600;

/** The `cors` option of createYoga: what to answer the request's Origin, or false for no CORS headers. */
export function corsOptionsFor(allowed: BrowserConfig['corsOrigins']): (request: Request) => CORSOptions {
  const listed = new Set(allowed === '*' ? [] : allowed);
  const common = {
    methods: ['GET', 'POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE,
  };
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null) return false;
    // Reflected, and without credentials: a page of any origin reads what it
    // could read with curl, and no cookie or TLS client certificate is used.
    if (allowed === '*') return { ...common, origin, credentials: false };
    if (listed.has(origin)) return { ...common, origin, credentials: true };
    return false;
  };
}

/**
 * `Vary: Origin` on every response whose CORS headers depend on the Origin,
 * so a shared cache never hands one origin's answer to another. (Yoga adds
 * it only when it reflects the origin itself.)
 */
export function useVaryOrigin(allowed: BrowserConfig['corsOrigins']): Plugin {
  if (allowed !== '*' && allowed.length === 0) return {};
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (!vary?.split(',').some((name) => name.trim().toLowerCase() === 'origin')) {
        response.headers.append('vary', 'Origin');
      }
    },
  };
}

/** With introspection off, `__schema` and `__type` fail validation (GRAPHQL_VALIDATION_FAILED, 400). */
export function useIntrospectionSwitch(introspection: boolean): Plugin {
  if (introspection) return {};
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
