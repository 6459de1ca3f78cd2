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
  // uPlot sizes its elements with style attributes it sets from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function encodingFor(request: Request): 'br' | 'gzip' | undefined {
  const accepted = request.headers.get('accept-encoding') ?? '';
  if (/\bbr\b/.test(accepted)) return 'br';
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  return undefined;
}

/** The page's files, loaded on the first request for one (or earlier, by calling `load`). */
export function pageAssetsOnce(load: () => Promise<Map<string, PageAsset>>) {
  let loading: Promise<Map<string, PageAsset>> | undefined;
  return () => (loading ??= load());
}

/** Whether a request is for the page or its files: the root, or under /assets/. */
const isPagePath = (pathname: string) => pathname === '/' || pathname.startsWith('/assets/');

export function usePortfolioPage(assets: (() => Promise<Map<string, PageAsset>>) | undefined): Plugin {
  if (!assets) return {};
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || !isPagePath(url.pathname)) return;
      const asset = (await assets()).get(url.pathname);
      if (!asset) return;
      const headers: Record<string, string> = {
        'content-type': asset.contentType,
        'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        etag: asset.etag,
        vary: 'accept-encoding',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        ...(asset.immutable ? {} : { 'content-security-policy': PAGE_CONTENT_SECURITY_POLICY }),
      };
      if (request.headers.get('if-none-match') === asset.etag) {
        return endResponse(new fetchAPI.Response(null, { status: 304, headers }));
      }
      const encoding = encodingFor(request);
      const body = encoding ? asset[encoding] : asset.identity;
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-length'] = String(body.byteLength);
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
          status: 200,
          headers,
        }),
      );
    },
  };
}
