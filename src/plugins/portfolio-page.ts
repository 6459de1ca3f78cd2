/**
 * Serves the live portfolio page at `/` and its bundled files under
 * `/assets/`, from memory (web/page-assets.ts), compressed as the browser
 * accepts, with ETags (304 when unchanged) and a Content-Security-Policy
 * that lets the page reach this origin only: no other host is ever asked
 * for anything, so it works offline, like GraphiQL at /graphql.
 */
import type { Plugin } from 'graphql-yoga';
import type { PageAsset } from '../web/page-assets.ts';

/** Scripts and styles from this origin only; requests (fetch, WebSocket) to this origin only. */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // uPlot sets its elements' styles from script (CSSOM), which style-src does not govern.
  "style-src 'self'",
  // The empty data: favicon, which spares a request for /favicon.ico.
  'img-src data:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The best encoding the browser accepts: brotli, else gzip, else none (q=0 refuses one). */
function encodingFor(request: Request): 'br' | 'gzip' | undefined {
  const accepted = new Set(
    (request.headers.get('accept-encoding') ?? '')
      .split(',')
      .map((part) => part.trim().toLowerCase().split(';'))
      .filter(([, quality]) => !/^\s*q=0(\.0*)?\s*$/.test(quality ?? ''))
      .map(([name]) => name),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

/** The page's files, loaded on the first request for one (or earlier, by calling `load`). */
export function pageAssetsOnce(load: () => Promise<Map<string, PageAsset>>) {
  let loading: Promise<Map<string, PageAsset>> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      // Tried again on the next request, rather than failing every one from now on.
      loading = undefined;
      throw error;
    }));
}

/** Whether If-None-Match names this ETag (a list, weak or not, or `*`). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch.split(',').some((tag) => ['*', etag].includes(tag.trim().replace(/^W\//, '')));
}

/** Whether a request is for the page or its files: the root, or under /assets/. */
const isPagePath = (pathname: string) => pathname === '/' || pathname.startsWith('/assets/');

export function usePortfolioPage(assets: (() => Promise<Map<string, PageAsset>>) | undefined): Plugin {
  if (!assets) return {};
  return {
    // Not async: GraphQL requests, nearly all of them, pass without a promise made for them.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || !isPagePath(url.pathname)) return;
      return assets().then((loaded) => {
        const asset = loaded.get(url.pathname);
        if (asset) endResponse(responseFor(request, asset, fetchAPI.Response));
      });
    },
  };
}

function responseFor(request: Request, asset: PageAsset, Response: typeof globalThis.Response): Response {
  const headers: Record<string, string> = {
    'content-type': asset.contentType,
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(asset.immutable ? {} : { 'content-security-policy': PAGE_CONTENT_SECURITY_POLICY }),
  };
  const encoding = encodingFor(request);
  // Each encoding is a representation of its own, with an ETag of its own.
  headers.etag = encoding ? `${asset.etag.slice(0, -1)}-${encoding}"` : asset.etag;
  if (matches(request.headers.get('if-none-match'), headers.etag)) {
    return new Response(null, { status: 304, headers });
  }
  const body = encoding ? asset[encoding] : asset.identity;
  if (encoding) headers['content-encoding'] = encoding;
  headers['content-length'] = String(body.byteLength);
  return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
    status: 200,
    headers,
  });
}
