/**
 * Requests a minute per client, counted in this server instance's memory
 * (rate-limiter-flexible's RateLimiterMemory, a fixed one-minute window):
 * - a request without a token counts against its client address
 *   (RATE_LIMIT_PER_MINUTE), before it is parsed;
 * - a request with a verified token counts against the token's `sub`
 *   (RATE_LIMIT_TOKEN_PER_MINUTE) once authentication has named it; a token
 *   without `sub` counts against the address, like an anonymous request.
 * Past the limit: HTTP 429, `Retry-After` in whole seconds, and a GraphQL
 * error with the code RATE_LIMITED. Only GraphQL requests count: the health
 * endpoints, GraphiQL's page and CORS preflights are answered before this.
 *
 * Memory stays bounded: each key lives one minute (the store deletes it on a
 * timer), and IPv6 clients are keyed by their /64, the block one host gets,
 * so a client cannot mint new keys by walking its own addresses.
 */
import { isIP } from 'node:net';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config.ts';
import type { Context, ViewerOf } from '../context.ts';
import { clientError, ERROR_CODES } from '../errors.ts';

const WINDOW_SECONDS = 60;

export function rateLimited(limit: number, key: string, retryAfterSeconds: number): GraphQLError {
  return clientError(
    ERROR_CODES.RATE_LIMITED,
    `Too many requests: the limit is ${limit} a minute for ${key}. Try again in ${retryAfterSeconds} s.`,
    { status: 429, retryAfterSeconds, extensions: { retryAfter: retryAfterSeconds } },
  );
}

/** A limiter of `perMinute` requests for each key, or none for 0. */
function limiter(perMinute: number, description: string) {
  if (perMinute === 0) return undefined;
  const store = new RateLimiterMemory({ points: perMinute, duration: WINDOW_SECONDS });
  /** Counts one request for `key`, and refuses it past the limit. */
  return async (key: string): Promise<void> => {
    try {
      await store.consume(key);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      // Rounded up: a client that waits Retry-After seconds finds a new window.
      const retryAfter = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw rateLimited(perMinute, description, retryAfter);
    }
  };
}

/**
 * Counts one request (or one WebSocket operation) against its client's
 * limit, and refuses it past the limit; undefined when there are no limits.
 * `serverContext` carries the TCP peer (see `clientAddress`).
 */
export type CountRequest = (request: Request, serverContext: unknown) => Promise<void>;

export function requestCounter(config: RateLimitConfig, viewerOf: ViewerOf): CountRequest | undefined {
  const byAddress = limiter(config.anonymousPerMinute, 'each client address');
  const bySubject = limiter(config.tokenPerMinute, "each token's subject");
  if (!byAddress && !bySubject) return undefined;

  return async (request, serverContext) => {
    const address = `address:${clientAddress(request, serverContext, config.trustProxyHops)}`;
    if (!request.headers.has('authorization')) return byAddress?.(address);
    // The token is checked now, not after parsing as it otherwise is (the
    // context reuses the result): one that fails counts against its
    // address, so a made-up token is no way around the limit.
    let subject: unknown;
    try {
      subject = (await viewerOf(request)).subject;
    } catch (error) {
      await byAddress?.(address);
      throw error;
    }
    if (typeof subject === 'string' && subject !== '') await bySubject?.(`subject:${subject}`);
    else await byAddress?.(address);
  };
}

export function useRateLimit(countRequest: CountRequest | undefined): Plugin<Context> {
  if (!countRequest) return {};
  return {
    // Before the document is parsed, so a refused request costs next to nothing.
    onRequestParse: ({ request, serverContext }) => countRequest(request, serverContext),
  };
}

interface NodeServerContext {
  req?: { socket?: { remoteAddress?: string } };
}

/**
 * The client's address as a limiter key: the TCP peer, or with proxies in
 * front (`trustProxyHops`), the X-Forwarded-For entry that many from the
 * right, the one the outermost trusted proxy wrote. Tests without a socket
 * pass `{ req: { socket: { remoteAddress } } }` as app.fetch's server context.
 */
export function clientAddress(request: Request, serverContext: unknown, trustProxyHops: number): string {
  if (trustProxyHops > 0) {
    const forwarded = (request.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    // Fewer entries than proxies: the request did not come through them all,
    // and the leftmost entry may be the client's own invention: the TCP peer
    // is the one address known to be true.
    const entry =
      forwarded.length >= trustProxyHops ? forwarded[forwarded.length - trustProxyHops] : undefined;
    const key = entry === undefined ? undefined : addressKey(entry);
    if (key) return key;
  }
  const peer = (serverContext as NodeServerContext | undefined)?.req?.socket?.remoteAddress;
  return (peer && addressKey(peer)) || 'unknown';
}

/** An IPv4 address as it is, an IPv4-mapped IPv6 one as IPv4, other IPv6 addresses by their /64; undefined for anything else. */
export function addressKey(raw: string): string | undefined {
  let address = raw.trim();
  // Some proxies write a port: 192.0.2.1:4711, [2001:db8::1]:4711.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  address = address.replace(/%.*$/, '');
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of a valid IPv6 address, '::' expanded, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const split = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  const [head = '', tail] = address.split('::');
  const before = split(head);
  const after = tail === undefined ? [] : split(tail);
  const zeros = Array<string>(8 - before.length - after.length).fill('0');
  return [...before, ...zeros, ...after].map((group) => parseInt(group, 16).toString(16));
}
