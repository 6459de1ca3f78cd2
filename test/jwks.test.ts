/**
 * Asymmetric keys: RS256, ES256 and EdDSA from a JWKS file or URL, with keys
 * rotating while the server runs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.ts';
import { loadVerificationKeys } from '../src/auth/keys.ts';
import { signToken, TEST_AUDIENCE, testAuthConfig } from './support/auth.ts';

interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(alg: string, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const sign = (key: TestKey, claims: Record<string, unknown> = { role: 'api_data_producer' }) =>
  new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);

function authenticatorFor(env: Record<string, string>) {
  const auth = testAuthConfig({ JWT_SECRET: '', ...env });
  return createAuthenticator(auth, loadVerificationKeys(auth, undefined, { jwksCooldownMs: 0 }));
}

describe('JWKS_FILE', () => {
  let dir: string;
  let file: string;
  let keys: TestKey[];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'folioql-jwks-'));
    file = path.join(dir, 'jwks.json');
    keys = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('EdDSA', 'ed-1')]);
    writeFileSync(file, JSON.stringify({ keys: keys.map((key) => key.jwk) }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies RS256, ES256 and EdDSA tokens', async () => {
    const authenticate = authenticatorFor({ JWKS_FILE: file });
    for (const key of keys) {
      const viewer = await authenticate(`Bearer ${await sign(key)}`);
      expect(viewer.role).toBe('api_data_producer');
    }
  });

  it('refuses a token signed by a key not in the set', async () => {
    const authenticate = authenticatorFor({ JWKS_FILE: file });
    const stranger = await makeKey('ES256', 'ec-1');
    await expect(authenticate(`Bearer ${await sign(stranger)}`)).rejects.toThrow(
      'the signature does not match',
    );
    const unknownKid = await makeKey('ES256', 'ec-9');
    await expect(authenticate(`Bearer ${await sign(unknownKid)}`)).rejects.toThrow(
      'no configured key matches the token',
    );
  });

  it('refuses algorithms no configured key has', async () => {
    const onlyEc = path.join(dir, 'ec.json');
    writeFileSync(onlyEc, JSON.stringify({ keys: [keys[1]!.jwk] }));
    const authenticate = authenticatorFor({ JWKS_FILE: onlyEc });
    await expect(authenticate(`Bearer ${await sign(keys[0]!)}`)).rejects.toThrow(
      "the token's signing algorithm is not accepted here",
    );
  });

  it('stops trusting a key removed from the file, without a restart', async () => {
    const revoking = path.join(dir, 'revoking.json');
    writeFileSync(revoking, JSON.stringify({ keys: [keys[0]!.jwk, keys[1]!.jwk] }));
    const authenticate = authenticatorFor({ JWKS_FILE: revoking });
    const token = await sign(keys[0]!);
    expect((await authenticate(`Bearer ${token}`)).role).toBe('api_data_producer');
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(revoking, JSON.stringify({ keys: [keys[1]!.jwk] }));
    await expect(authenticate(`Bearer ${token}`)).rejects.toThrow('Invalid bearer token');
  });

  it('tries each key when several fit a token without a key id', async () => {
    const noKid = await Promise.all([makeKey('ES256', 'x'), makeKey('ES256', 'y')]);
    const file2 = path.join(dir, 'no-kid.json');
    writeFileSync(file2, JSON.stringify({ keys: noKid.map(({ jwk: { kid: _kid, ...jwk } }) => jwk) }));
    const authenticate = authenticatorFor({ JWKS_FILE: file2 });
    for (const key of noKid) {
      const token = await new SignJWT({ role: 'api_data_producer' })
        .setProtectedHeader({ alg: 'ES256' })
        .sign(key.privateKey);
      expect((await authenticate(`Bearer ${token}`)).role).toBe('api_data_producer');
    }
  });

  it('keeps verifying HS256 tokens while the file is corrupt, answering 503 only to tokens that need it', async () => {
    const corrupting = path.join(dir, 'corrupting.json');
    writeFileSync(corrupting, JSON.stringify({ keys: [keys[0]!.jwk] }));
    const logged: string[] = [];
    const auth = testAuthConfig({ JWKS_FILE: corrupting });
    const authenticate = createAuthenticator(auth, loadVerificationKeys(auth, auth.jwtSecret), (message) => {
      logged.push(message);
    });
    const rsaToken = await sign(keys[0]!);
    const hsToken = await signToken({ role: 'api_data_producer', aud: TEST_AUDIENCE });
    expect((await authenticate(`Bearer ${rsaToken}`)).role).toBe('api_data_producer');

    // Half-written by a deploy: not JSON any more.
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(corrupting, '{"keys": [');
    expect((await authenticate(`Bearer ${hsToken}`)).role).toBe('api_data_producer');
    expect(logged).toEqual([]);
    const failure = await authenticate(`Bearer ${rsaToken}`).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      extensions: { code: 'AUTHENTICATION_UNAVAILABLE', http: { status: 503 } },
    });
    expect(logged).toEqual(['The key set for verifying tokens is unavailable']);
    // A forged HS256 token is still refused as one.
    const forged = await signToken({ role: 'api_data_producer' }, { secret: 'x'.repeat(40) });
    await expect(authenticate(`Bearer ${forged}`)).rejects.toThrow('the signature does not match');

    // Gone altogether: the same.
    rmSync(corrupting);
    expect((await authenticate(`Bearer ${hsToken}`)).role).toBe('api_data_producer');
    await expect(authenticate(`Bearer ${rsaToken}`)).rejects.toMatchObject({
      extensions: { code: 'AUTHENTICATION_UNAVAILABLE' },
    });

    // Repaired: RS256 verifies again, without a restart.
    writeFileSync(corrupting, JSON.stringify({ keys: [keys[0]!.jwk] }));
    expect((await authenticate(`Bearer ${rsaToken}`)).role).toBe('api_data_producer');
  });

  it('picks up a key added to the file, without a restart', async () => {
    const rotating = path.join(dir, 'rotating.json');
    writeFileSync(rotating, JSON.stringify({ keys: [keys[0]!.jwk] }));
    const authenticate = authenticatorFor({ JWKS_FILE: rotating });
    const next = await makeKey('RS256', 'rsa-2');
    // A new mtime is what makes the file be read again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(rotating, JSON.stringify({ keys: [keys[0]!.jwk, next.jwk] }));
    expect((await authenticate(`Bearer ${await sign(next)}`)).role).toBe('api_data_producer');
  });
});

describe('JWKS_URL', () => {
  let server: Server;
  let url: string;
  let served: JWK[] = [];
  let fetches = 0;
  beforeAll(async () => {
    server = createServer((_request, response) => {
      fetches++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('fetches keys once, caches them, and fetches again for an unknown key id', async () => {
    const first = await makeKey('ES256', 'key-1');
    served = [first.jwk];
    fetches = 0;
    const authenticate = authenticatorFor({ JWKS_URL: url });
    const token = await sign(first);
    await authenticate(`Bearer ${token}`);
    await authenticate(`Bearer ${token}`);
    expect(fetches).toBe(1);

    // The issuer rotates its key: the old one leaves, a new one arrives.
    const second = await makeKey('ES256', 'key-2');
    served = [second.jwk];
    expect((await authenticate(`Bearer ${await sign(second)}`)).role).toBe('api_data_producer');
    expect(fetches).toBe(2);
  });

  it('answers 503, not "invalid token", while the key set cannot be fetched, and logs why', async () => {
    const logged: string[] = [];
    const auth = testAuthConfig({ JWT_SECRET: '', JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    const authenticate = createAuthenticator(auth, loadVerificationKeys(auth, undefined), (message) => {
      logged.push(message);
    });
    const key = await makeKey('ES256', 'k');
    const failure = await authenticate(`Bearer ${await sign(key)}`).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      message:
        'The token could not be checked: the keys to check it with are unavailable. Try again shortly.',
      extensions: { code: 'AUTHENTICATION_UNAVAILABLE', http: { status: 503 } },
    });
    expect(logged).toEqual(['The key set for verifying tokens is unavailable']);
  });
});
