/**
 * What a browser (or any client) meets by default: CORS from an allow-list,
 * CSRF prevention for requests a page can send without a preflight, the
 * GraphiQL and introspection switches, and the per-client rate limit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type RateLimitConfig } from '../src/config.ts';
import { CSRF_HEADER } from '../src/plugins/browser-defaults.ts';
import { addressKey, clientAddress } from '../src/plugins/rate-limit.ts';
import type { App } from '../src/yoga.ts';
import { signToken, TEST_SECRET } from './support/auth.ts';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { startLiveServer, type LiveServer } from './support/live-server.ts';
import { forEachDriver } from './support/test-database.ts';

const ENDPOINT = 'http://folioql.test/graphql';
const APP_ORIGIN = 'https://app.example.com';
const OTHER_ORIGIN = 'https://evil.example.net';
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };

const browserConfig = (env: Record<string, string>) =>
  loadConfig({ JWT_SECRET: TEST_SECRET, ...env }).browser;

/** A server context as yoga's node adapter makes it, so app.fetch has a client address. */
const fromAddress = (remoteAddress: string) => ({ req: { socket: { remoteAddress } } });

function preflight(app: App, origin: string) {
  return app.fetch(ENDPOINT, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

function postFrom(app: App, origin: string) {
  return app.fetch(ENDPOINT, {
    method: 'POST',
    headers: { ...JSON_HEADERS, origin },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
}

describe('configuration', () => {
  it('defaults to any origin without credentials in development, and to none in production', () => {
    expect(browserConfig({}).corsOrigins).toBe('*');
    expect(browserConfig({ NODE_ENV: 'production' }).corsOrigins).toEqual([]);
    expect(browserConfig({ NODE_ENV: 'production', CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(browserConfig({ CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
  });

  it('reads a list of exact origins', () => {
    expect(
      browserConfig({ CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ' }).corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it.each([
    ['https://app.example.com/', 'did you mean "https://app.example.com"?'],
    ['https://App.example.com', 'did you mean "https://app.example.com"?'],
    ['https://app.example.com:443', 'did you mean "https://app.example.com"?'],
    ['app.example.com', 'got "app.example.com"'],
    ['ftp://files.example.com', 'got "ftp://files.example.com"'],
    ['https://app.example.com,', 'got ""'],
  ])('refuses %s as an origin', (origin, hint) => {
    expect(() => browserConfig({ CORS_ORIGINS: origin })).toThrow(ConfigError);
    expect(() => browserConfig({ CORS_ORIGINS: origin })).toThrow(
      /^CORS_ORIGINS must list origins such as https:\/\/app\.example\.com/,
    );
    expect(() => browserConfig({ CORS_ORIGINS: origin })).toThrow(hint);
  });

  it('refuses patterns', () => {
    expect(() => browserConfig({ CORS_ORIGINS: 'https://*.example.com' })).toThrow(
      'CORS_ORIGINS takes exact origins, not patterns: list each one, got "https://*.example.com"',
    );
  });

  it('refuses "*" mixed with origins', () => {
    expect(() => browserConfig({ CORS_ORIGINS: '*, https://app.example.com' })).toThrow(
      'CORS_ORIGINS must be either "*" alone or a list of origins',
    );
  });

  it('has GraphiQL and introspection on, and rate limits off, unless told otherwise', () => {
    const config = loadConfig({});
    expect(config.browser).toMatchObject({ graphiql: true, introspection: true });
    expect(config.rateLimit).toEqual({ anonymousPerMinute: 0, tokenPerMinute: 0, trustProxyHops: 0 });
    const set = loadConfig({
      GRAPHIQL: 'false',
      INTROSPECTION: 'off',
      RATE_LIMIT_PER_MINUTE: '600',
      RATE_LIMIT_TOKEN_PER_MINUTE: '6000',
      TRUST_PROXY_HOPS: '1',
    });
    expect(set.browser).toMatchObject({ graphiql: false, introspection: false });
    expect(set.rateLimit).toEqual({ anonymousPerMinute: 600, tokenPerMinute: 6000, trustProxyHops: 1 });
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(ConfigError);
  });
});

describe('client addresses', () => {
  const request = (forwardedFor?: string) =>
    new Request(ENDPOINT, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

  it('are the TCP peer unless proxies are trusted', () => {
    expect(clientAddress(request('203.0.113.9'), fromAddress('10.0.0.1'), 0)).toBe('10.0.0.1');
    expect(clientAddress(request(), {}, 0)).toBe('unknown');
  });

  it('are the X-Forwarded-For entry as many from the right as there are proxies', () => {
    const spoofed = request('198.51.100.1, 203.0.113.9, 10.0.0.2');
    expect(clientAddress(spoofed, fromAddress('10.0.0.1'), 1)).toBe('10.0.0.2');
    expect(clientAddress(spoofed, fromAddress('10.0.0.1'), 2)).toBe('203.0.113.9');
    // Fewer entries than proxies: the request skipped one, and the leftmost may be the client's own; the peer.
    expect(clientAddress(request('203.0.113.9'), fromAddress('10.0.0.1'), 2)).toBe('10.0.0.1');
    // No usable entry: the peer.
    expect(clientAddress(request('garbage'), fromAddress('10.0.0.1'), 1)).toBe('10.0.0.1');
    expect(clientAddress(request(), fromAddress('10.0.0.1'), 1)).toBe('10.0.0.1');
  });

  it('key IPv6 clients by their /64 and IPv4-mapped ones as IPv4', () => {
    expect(addressKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7:4711')).toBe('192.0.2.7');
    expect(addressKey('[2001:db8::5]:4711')).toBe('2001:db8:0:0::/64');
    expect(addressKey('not an address')).toBeUndefined();
  });
});

forEachDriver((database) => {
  describe('CORS with CORS_ORIGINS listing an origin', () => {
    let app: App;
    beforeAll(() => {
      app = createTestApp(database(), { browser: browserConfig({ CORS_ORIGINS: APP_ORIGIN }) });
    });

    it('answers its preflight, with credentials and the Authorization header allowed', async () => {
      const response = await preflight(app, APP_ORIGIN);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      const allowed = response.headers.get('access-control-allow-headers')?.split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', CSRF_HEADER]));
      expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
    });

    it('lets its pages read a response, and Retry-After', async () => {
      const response = await postFrom(app, APP_ORIGIN);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-expose-headers')).toContain('retry-after');
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    });

    it('gives an unlisted origin no CORS headers at all', async () => {
      for (const response of [await preflight(app, OTHER_ORIGIN), await postFrom(app, OTHER_ORIGIN)]) {
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
        expect(response.headers.get('access-control-allow-credentials')).toBeNull();
        expect(response.headers.get('access-control-allow-headers')).toBeNull();
        // A shared cache must not hand this answer to a listed origin.
        expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
      }
    });

    it('matches origins exactly', async () => {
      for (const origin of [`${APP_ORIGIN}.evil.example.net`, 'http://app.example.com', 'null']) {
        const response = await postFrom(app, origin);
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
      }
    });
  });

  it('in development lets any origin read, without credentials', async () => {
    const app = createTestApp(database(), { browser: browserConfig({}) });
    for (const response of [await preflight(app, OTHER_ORIGIN), await postFrom(app, OTHER_ORIGIN)]) {
      expect(response.headers.get('access-control-allow-origin')).toBe(OTHER_ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const allowed = (await preflight(app, OTHER_ORIGIN)).headers.get('access-control-allow-headers');
    expect(allowed).toContain('authorization');
  });

  it('in production lets no other origin read unless CORS_ORIGINS says so', async () => {
    const app = createTestApp(database(), { browser: browserConfig({ NODE_ENV: 'production' }) });
    for (const response of [await preflight(app, APP_ORIGIN), await postFrom(app, APP_ORIGIN)]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  describe('CSRF prevention', () => {
    let app: App;
    beforeAll(() => {
      app = createTestApp(database());
    });

    const form = (headers: Record<string, string> = {}) =>
      app.fetch(ENDPOINT, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...headers,
        },
        body: new URLSearchParams({ query: '{ __typename }' }).toString(),
      });
    const get = (headers: Record<string, string> = {}) =>
      app.fetch(`${ENDPOINT}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json', ...headers },
      });

    it(`refuses a form POST, a text/plain POST and a GET without ${CSRF_HEADER}`, async () => {
      const textPlain = await app.fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      for (const response of [await form(), textPlain, await get()]) {
        expect(response.status).toBe(403);
        expect(await response.json()).toMatchObject({
          errors: [{ message: 'Required CSRF header(s) not present' }],
        });
      }
    });

    it(`accepts them with ${CSRF_HEADER}`, async () => {
      for (const response of [await form({ [CSRF_HEADER]: '1' }), await get({ [CSRF_HEADER]: '1' })]) {
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
      }
    });

    it('needs no header on a JSON POST, which a page can send cross-origin only after a preflight', async () => {
      const result = await graphql(app, '{ __typename }');
      expect(result.status).toBe(200);
      expect(result.data).toEqual({ __typename: 'Query' });
    });

    it('leaves the GraphiQL page and the health endpoints alone', async () => {
      const page = await app.fetch(ENDPOINT, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect((await app.fetch('http://folioql.test/health')).status).toBe(200);
      expect((await app.fetch('http://folioql.test/healthz')).status).toBe(200);
    });
  });

  describe('with INTROSPECTION=false', () => {
    let app: App;
    beforeAll(() => {
      app = createTestApp(database(), { browser: browserConfig({ INTROSPECTION: 'false' }) });
    });

    it('refuses __schema and __type with a clear error', async () => {
      for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Trade") { name } }']) {
        const result = await graphql(app, query);
        expect(result.status).toBe(400);
        expect(result.data).toBeUndefined();
        const [error] = errorsOf(result);
        expect(error?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(error?.message).toMatch(/^GraphQL introspection has been disabled/);
      }
    });

    it('still answers __typename', async () => {
      const result = await graphql(app, '{ __typename latestTrades(limit: 1) { __typename } }');
      expect(result.errors).toBeUndefined();
      expect(result.data?.__typename).toBe('Query');
    });

    it('answers introspection when on (the default)', async () => {
      const result = await graphql(createTestApp(database()), '{ __schema { queryType { name } } }');
      expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    });
  });

  it('with GRAPHIQL=false serves no page to a browser', async () => {
    const app = createTestApp(database(), { browser: browserConfig({ GRAPHIQL: 'false' }) });
    // As Chromium asks for a page, and as a client that takes HTML only.
    const accepts = [
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'text/html',
    ];
    for (const accept of accepts) {
      const response = await app.fetch(ENDPOINT, { headers: { accept } });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
      expect(await response.text()).not.toMatch(/<html|graphiql/i);
    }
  });

  describe('rate limits', () => {
    const LIMITS: RateLimitConfig = { anonymousPerMinute: 3, tokenPerMinute: 2, trustProxyHops: 0 };

    function post(app: App, address: string, headers: Record<string, string> = {}) {
      return app.fetch(
        ENDPOINT,
        {
          method: 'POST',
          headers: { ...JSON_HEADERS, ...headers },
          body: JSON.stringify({ query: '{ __typename }' }),
        },
        fromAddress(address),
      );
    }

    async function expectRateLimited(response: Response, limitedBy: RegExp) {
      expect(response.status).toBe(429);
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const body = await response.json();
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter });
      expect(body.errors[0].message).toMatch(limitedBy);
      expect(body.errors[0].message).toContain(`Try again in ${retryAfter} s.`);
    }

    it('answers 429 with Retry-After past the limit for one address, while another still passes', async () => {
      const app = createTestApp(database(), { rateLimit: LIMITS });
      for (let i = 0; i < 3; i++) expect((await post(app, '192.0.2.1')).status).toBe(200);
      await expectRateLimited(
        await post(app, '192.0.2.1'),
        /^Too many requests: the limit is 3 a minute for each client address\./,
      );
      expect((await post(app, '192.0.2.2')).status).toBe(200);
      // Health endpoints are never limited.
      for (const path of ['/health', '/healthz']) {
        const response = await app.fetch(`http://folioql.test${path}`, {}, fromAddress('192.0.2.1'));
        expect(response.status).toBe(200);
      }
    });

    it("limits a token's subject apart from its address", async () => {
      const app = createTestApp(database(), { rateLimit: LIMITS });
      const alice = { authorization: `Bearer ${await signToken({ sub: 'alice' })}` };
      for (let i = 0; i < 3; i++) expect((await post(app, '192.0.2.1')).status).toBe(200);
      expect((await post(app, '192.0.2.1')).status).toBe(429);
      // The address is spent; alice's token is not.
      expect((await post(app, '192.0.2.1', alice)).status).toBe(200);
      expect((await post(app, '192.0.2.1', alice)).status).toBe(200);
      // Alice's two a minute are spent, from whatever address she comes.
      await expectRateLimited(
        await post(app, '192.0.2.9', alice),
        /^Too many requests: the limit is 2 a minute for each token's subject\./,
      );
      // Bob is another subject.
      const bob = { authorization: `Bearer ${await signToken({ sub: 'bob' })}` };
      expect((await post(app, '192.0.2.1', bob)).status).toBe(200);
    });

    it('counts a token that fails verification against its address, before parsing', async () => {
      const app = createTestApp(database(), { rateLimit: LIMITS });
      const forged = { authorization: 'Bearer not-a-token' };
      for (let i = 0; i < 3; i++) expect((await post(app, '192.0.2.4', forged)).status).toBe(401);
      await expectRateLimited(await post(app, '192.0.2.4', forged), /for each client address/);
      await expectRateLimited(await post(app, '192.0.2.4'), /for each client address/);
    });

    it('counts a token without sub against its address', async () => {
      const app = createTestApp(database(), { rateLimit: LIMITS });
      const nobody = { authorization: `Bearer ${await signToken({ role: 'api_anon' })}` };
      expect((await post(app, '192.0.2.3', nobody)).status).toBe(200);
      expect((await post(app, '192.0.2.3')).status).toBe(200);
      expect((await post(app, '192.0.2.3', nobody)).status).toBe(200);
      await expectRateLimited(await post(app, '192.0.2.3', nobody), /for each client address/);
    });

    it('keys clients by X-Forwarded-For behind TRUST_PROXY_HOPS proxies', async () => {
      const app = createTestApp(database(), {
        rateLimit: { anonymousPerMinute: 1, tokenPerMinute: 0, trustProxyHops: 1 },
      });
      const via = (client: string) => post(app, '10.0.0.1', { 'x-forwarded-for': `198.51.100.1, ${client}` });
      expect((await via('203.0.113.1')).status).toBe(200);
      expect((await via('203.0.113.1')).status).toBe(429);
      // Same load balancer, another client.
      expect((await via('203.0.113.2')).status).toBe(200);
    });

    it('is off at 0', async () => {
      const app = createTestApp(database(), {
        rateLimit: { anonymousPerMinute: 0, tokenPerMinute: 0, trustProxyHops: 0 },
      });
      for (let i = 0; i < 20; i++) expect((await post(app, '192.0.2.1')).status).toBe(200);
    });

    it('reads the address of a real connection', async () => {
      const server: LiveServer = await startLiveServer(database(), {
        rateLimit: { anonymousPerMinute: 1, tokenPerMinute: 0, trustProxyHops: 0 },
      });
      try {
        const send = () =>
          fetch(server.url, {
            method: 'POST',
            headers: JSON_HEADERS,
            body: JSON.stringify({ query: '{ __typename }' }),
          });
        expect((await send()).status).toBe(200);
        const refused = await send();
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      } finally {
        await server.close();
      }
    });
  });
});
