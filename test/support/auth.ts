/**
 * Tokens for tests, signed the way producers sign theirs.
 */
import { SignJWT, type JWTPayload } from 'jose';
import { createAuthenticator } from '../../src/auth/authenticate.ts';
import { loadVerificationKeys } from '../../src/auth/keys.ts';
import { loadConfig, type AuthConfig } from '../../src/config.ts';

export const TEST_SECRET = 'folioql-test-secret-of-at-least-32-bytes';
export const TEST_AUDIENCE = 'http://folioql.test/graphql';

/** The configuration tests authenticate with, plus any environment overrides. */
export function testAuthConfig(env: Record<string, string> = {}): AuthConfig {
  return loadConfig({ JWT_SECRET: TEST_SECRET, ...env }).auth;
}

export function testAuthenticator(env: Record<string, string> = {}) {
  const auth = testAuthConfig(env);
  return createAuthenticator(auth, loadVerificationKeys(auth, auth.jwtSecret));
}

/** An HS256 token as the producer scripts hold it: role and audience, no expiry unless asked. */
export function signToken(
  claims: JWTPayload,
  { secret = TEST_SECRET, alg = 'HS256' }: { secret?: string | Uint8Array; alg?: string } = {},
): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}

export const producerToken = () => signToken({ role: 'api_data_producer', aud: TEST_AUDIENCE });

export async function producerHeaders(): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await producerToken()}` };
}
