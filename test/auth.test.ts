/**
 * Bearer tokens: what is accepted, and that everything else is a 401 that
 * says why, never a silent fall back to anonymous.
 */
import { generateKeyPair, exportSPKI, SignJWT, base64url } from 'jose';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestApp, errorsOf, graphql } from './support/graphql.ts';
import { producerHeaders, signToken, TEST_AUDIENCE, TEST_SECRET, testAuthenticator } from './support/auth.ts';
import { forEachDriver } from './support/test-database.ts';
import type { App } from '../src/yoga.ts';

const VIEWER = '{ viewer { role isProducer subject expiresAt } }';
const PRODUCER_ONLY = '{ trades(first: 1) { totalCount } }';
const now = () => Math.floor(Date.now() / 1000);

/** A token with its payload replaced after signing. */
function tamper(token: string, claims: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
}

forEachDriver((database) => {
  let app: App;
  beforeAll(() => {
    app = createTestApp(database(), { authenticate: testAuthenticator({ JWT_AUDIENCE: TEST_AUDIENCE }) });
  });

  const asBearer = (token: string) => ({ authorization: `Bearer ${token}` });

  describe('accepted', () => {
    it('no Authorization header: the anonymous role', async () => {
      const result = await graphql(app, VIEWER);
      expect(result.data.viewer).toEqual({
        role: 'api_anon',
        isProducer: false,
        subject: null,
        expiresAt: null,
      });
    });

    it("the producer scripts' token as it is: HS256, role and aud, no expiry", async () => {
      const result = await graphql(app, VIEWER, {}, await producerHeaders());
      expect(result.data.viewer).toEqual({
        role: 'api_data_producer',
        isProducer: true,
        subject: null,
        expiresAt: null,
      });
      const trades = await graphql(app, PRODUCER_ONLY, {}, await producerHeaders());
      expect(trades.errors).toBeUndefined();
    });

    it('HS384 and HS512, with subject and expiry reported', async () => {
      const exp = now() + 3600;
      for (const alg of ['HS384', 'HS512']) {
        const token = await signToken(
          { role: 'api_data_producer', aud: TEST_AUDIENCE, sub: 'feeder', exp },
          { alg },
        );
        const result = await graphql(app, VIEWER, {}, asBearer(token));
        expect(result.data.viewer).toEqual({
          role: 'api_data_producer',
          isProducer: true,
          subject: 'feeder',
          expiresAt: new Date(exp * 1000).toISOString(),
        });
      }
    });

    it('a token with no role claim acts as anonymous, and still cannot use the producer API', async () => {
      const token = await signToken({ aud: TEST_AUDIENCE, sub: 'reader' });
      const viewer = await graphql(app, VIEWER, {}, asBearer(token));
      expect(viewer.data.viewer).toMatchObject({ role: 'api_anon', isProducer: false, subject: 'reader' });
      const trades = await graphql(app, PRODUCER_ONLY, {}, asBearer(token));
      expect(errorsOf(trades)[0]?.code).toBe('FORBIDDEN');
    });

    it('an expiry beyond what a date can show, reported as none', async () => {
      const token = await signToken({
        role: 'api_data_producer',
        aud: TEST_AUDIENCE,
        exp: 9_000_000_000_000,
      });
      expect((await graphql(app, VIEWER, {}, asBearer(token))).data.viewer.expiresAt).toBeNull();
    });

    it('clock skew within the tolerance (30 s)', async () => {
      const token = await signToken({
        role: 'api_data_producer',
        aud: TEST_AUDIENCE,
        exp: now() - 10,
        iat: now() + 10,
      });
      expect((await graphql(app, VIEWER, {}, asBearer(token))).data.viewer.role).toBe('api_data_producer');
    });
  });

  describe('refused with 401, never treated as anonymous', () => {
    async function expectRefused(headers: Record<string, string>, reason: string) {
      const result = await graphql(app, VIEWER, {}, headers);
      expect(result.status).toBe(401);
      expect(result.data ?? null).toBeNull();
      expect(errorsOf(result)).toEqual([
        { code: 'UNAUTHENTICATED', message: `Invalid bearer token: ${reason}` },
      ]);
      expect(result.headers.get('www-authenticate')).toMatch(
        /^Bearer error="invalid_(token|request)", error_description="/,
      );
    }

    it('alg: none', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      const payload = base64url.encode(JSON.stringify({ role: 'api_data_producer', aud: TEST_AUDIENCE }));
      await expectRefused(
        asBearer(`${header}.${payload}.`),
        "the token's signing algorithm is not accepted here",
      );
    });

    it('HS256 signed with another secret', async () => {
      const token = await signToken(
        { role: 'api_data_producer', aud: TEST_AUDIENCE },
        { secret: 'another-secret-that-is-32-bytes-long!!' },
      );
      await expectRefused(asBearer(token), 'the signature does not match');
    });

    it('HS256 signed with an RSA public key as the HMAC secret', async () => {
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportSPKI(publicKey);
      const token = await signToken({ role: 'api_data_producer', aud: TEST_AUDIENCE }, { secret: pem });
      await expectRefused(asBearer(token), 'the signature does not match');
    });

    it('expired', async () => {
      const token = await signToken({ role: 'api_data_producer', aud: TEST_AUDIENCE, exp: now() - 120 });
      await expectRefused(asBearer(token), 'the token has expired');
    });

    it('not yet valid', async () => {
      const token = await signToken({ role: 'api_data_producer', aud: TEST_AUDIENCE, nbf: now() + 120 });
      await expectRefused(asBearer(token), 'the token is not valid yet (nbf)');
    });

    it('issued in the future', async () => {
      const token = await signToken({ role: 'api_data_producer', aud: TEST_AUDIENCE, iat: now() + 3600 });
      await expectRefused(asBearer(token), 'the token was issued in the future (iat)');
    });

    it('for another audience, or none when one is required', async () => {
      const other = await signToken({ role: 'api_data_producer', aud: 'https://elsewhere.example/graphql' });
      await expectRefused(asBearer(other), 'the token is for another audience (aud)');
      const none = await signToken({ role: 'api_data_producer' });
      await expectRefused(asBearer(none), 'the token has no aud claim, and this API requires one');
    });

    it('payload tampered with after signing', async () => {
      const token = await signToken({ role: 'api_anon', aud: TEST_AUDIENCE });
      await expectRefused(
        asBearer(tamper(token, { role: 'api_data_producer', aud: TEST_AUDIENCE })),
        'the signature does not match',
      );
    });

    it('a role outside the allowed roles, postgres included', async () => {
      for (const role of ['postgres', 'pg_read_all_data', 'API_DATA_PRODUCER']) {
        const token = await signToken({ role, aud: TEST_AUDIENCE });
        await expectRefused(asBearer(token), `the role "${role}" is not one this API grants`);
      }
      const notText = await signToken({ role: ['api_data_producer'], aud: TEST_AUDIENCE });
      await expectRefused(asBearer(notText), 'the role claim must be a string');
    });

    it('garbage, an empty bearer, and other schemes', async () => {
      await expectRefused(asBearer('not-a-jwt'), 'the token is malformed');
      await expectRefused({ authorization: 'Bearer ' }, 'the Authorization header must be "Bearer <token>"');
      await expectRefused(
        { authorization: `Basic ${btoa('a:b')}` },
        'the Authorization header must be "Bearer <token>"',
      );
    });

    it('runs no SQL for a refused token', async () => {
      database().statements.length = 0;
      await graphql(app, PRODUCER_ONLY, {}, asBearer('not-a-jwt'));
      expect(database().statements).toEqual([]);
    });
  });

  describe('configuration', () => {
    it('reads the role from a dotted claim path, for third-party providers', async () => {
      const custom = createTestApp(database(), {
        authenticate: testAuthenticator({ JWT_ROLE_CLAIM: 'app_metadata.role' }),
      });
      const token = await signToken({ app_metadata: { role: 'api_data_producer' }, role: 'authenticated' });
      expect((await graphql(custom, VIEWER, {}, asBearer(token))).data.viewer.role).toBe('api_data_producer');
    });

    it('checks the issuer when JWT_ISSUER is set', async () => {
      const custom = createTestApp(database(), {
        authenticate: testAuthenticator({ JWT_ISSUER: 'https://issuer.example' }),
      });
      const right = await signToken({ role: 'api_data_producer', iss: 'https://issuer.example' });
      expect((await graphql(custom, VIEWER, {}, asBearer(right))).data.viewer.role).toBe('api_data_producer');
      const wrong = await signToken({ role: 'api_data_producer', iss: 'https://impostor.example' });
      expect((await graphql(custom, VIEWER, {}, asBearer(wrong))).status).toBe(401);
    });

    it('applies the configured clock tolerance', async () => {
      const strict = createTestApp(database(), {
        authenticate: testAuthenticator({ JWT_CLOCK_TOLERANCE: '0' }),
      });
      const token = await signToken({ role: 'api_data_producer', exp: now() - 5 });
      expect((await graphql(strict, VIEWER, {}, asBearer(token))).status).toBe(401);
    });

    it('accepts extra roles from ALLOWED_ROLES, as readers', async () => {
      // Roles are cluster-wide: made for this test, dropped after it.
      await database().db.execute(
        sql.raw(`do $$ begin
        if not exists (select from pg_roles where rolname = 'api_reporter') then create role api_reporter nologin; end if;
        exception when duplicate_object then null; end $$`),
      );
      await database().db.execute(sql.raw('grant api_reporter to current_user'));
      onTestFinished(async () => {
        await database().db.execute(sql.raw('drop role if exists api_reporter'));
      });
      const custom = createTestApp(database(), {
        authenticate: testAuthenticator({ ALLOWED_ROLES: 'api_anon,api_data_producer,api_reporter' }),
      });
      const token = await signToken({ role: 'api_reporter' });
      expect((await graphql(custom, VIEWER, {}, asBearer(token))).data.viewer).toMatchObject({
        role: 'api_reporter',
        isProducer: false,
      });
    });

    it('refuses HMAC tokens when only public keys are configured', async () => {
      const keyless = createTestApp(database(), {
        authenticate: testAuthenticator({ JWT_SECRET: '', JWKS_URL: 'http://127.0.0.1:9/jwks.json' }),
      });
      const token = await new SignJWT({ role: 'api_data_producer' })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(TEST_SECRET));
      const result = await graphql(keyless, VIEWER, {}, asBearer(token));
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.message).toBe(
        "Invalid bearer token: the token's signing algorithm is not accepted here",
      );
    });
  });
});
