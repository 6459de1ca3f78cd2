/**
 * The keys tokens are verified with, and the algorithms they allow.
 *
 * - JWT_SECRET: HMAC (HS256, HS384, HS512).
 * - JWKS_URL: public keys fetched from the issuer, cached, and fetched again
 *   when a token names a key id not in the cache, so keys rotate without a
 *   restart.
 * - JWKS_FILE: public keys from a file, read again when a token names an
 *   unknown key id.
 * A token is only checked against keys of its own algorithm family, so an
 * RSA public key can never be used as an HMAC secret.
 */
import { readFileSync, statSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';
import { ConfigError, type AuthConfig } from '../config.ts';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const OKP_ALGORITHMS = ['EdDSA', 'Ed25519'];
export const ASYMMETRIC_ALGORITHMS = [...RSA_ALGORITHMS, ...Object.values(EC_ALGORITHMS), ...OKP_ALGORITHMS];

export interface VerificationKeys {
  /** The algorithms a token may use now (a key file can change). */
  algorithms(): string[];
  getKey: JWTVerifyGetKey;
}

export interface KeyOptions {
  /** Least time between two fetches of JWKS_URL for unknown key ids, in ms. */
  jwksCooldownMs?: number;
}

/** The algorithms a JWK can verify: its own `alg`, or those of its key type. */
function algorithmsOfKey(jwk: JWK): string[] {
  if (jwk.alg) return [jwk.alg];
  if (jwk.kty === 'RSA') return RSA_ALGORITHMS;
  if (jwk.kty === 'EC' && jwk.crv && EC_ALGORITHMS[jwk.crv]) return [EC_ALGORITHMS[jwk.crv]!];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return OKP_ALGORITHMS;
  return [];
}

type KeySet = (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<JWTVerifyGetKey>;

/**
 * A key file, read again whenever it has changed: a key added is trusted at
 * once, and a key removed (say, a compromised one) is refused at once.
 */
function fileKeySet(file: string): { keySet: KeySet; algorithms: () => string[] } {
  let loaded:
    { mtimeMs: number; keys: JSONWebKeySet; keySet: ReturnType<typeof createLocalJWKSet> } | undefined;
  const current = () => {
    const mtimeMs = statSync(file).mtimeMs;
    if (loaded?.mtimeMs !== mtimeMs) {
      try {
        const keys = JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
        loaded = { mtimeMs, keys, keySet: createLocalJWKSet(keys) };
      } catch (error) {
        throw new ConfigError(`JWKS_FILE ${file} is not a JSON Web Key Set: ${(error as Error).message}`);
      }
    }
    return loaded;
  };
  current();
  return {
    algorithms: () => {
      try {
        return [...new Set(current().keys.keys.flatMap(algorithmsOfKey))];
      } catch {
        // The file went bad after startup. Tokens that do not need it (HS*
        // with JWT_SECRET) must still verify; asymmetric ones go on to the
        // key set, which fails on the file again: 503, not "invalid token".
        return ASYMMETRIC_ALGORITHMS;
      }
    },
    keySet: (header, token) => current().keySet(header, token),
  };
}

export function loadVerificationKeys(auth: AuthConfig, secret: string | undefined, options: KeyOptions = {}) {
  if (auth.jwksUrl && auth.jwksFile) throw new ConfigError('Set JWKS_URL or JWKS_FILE, not both');
  const hmacSecret = secret === undefined ? undefined : new TextEncoder().encode(secret);

  let keySet: KeySet | undefined;
  let asymmetricAlgorithms: () => string[] = () => [];
  if (auth.jwksUrl) {
    keySet = createRemoteJWKSet(auth.jwksUrl, {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      timeoutDuration: 5_000,
    });
    // jose only matches a key to a token of the key's own algorithm.
    asymmetricAlgorithms = () => ASYMMETRIC_ALGORITHMS;
  } else if (auth.jwksFile) {
    const file = fileKeySet(auth.jwksFile);
    keySet = file.keySet;
    asymmetricAlgorithms = file.algorithms;
  }

  const keys: VerificationKeys = {
    algorithms: () => [...(hmacSecret ? HMAC_ALGORITHMS : []), ...asymmetricAlgorithms()],
    getKey: (header, token) => {
      if (HMAC_ALGORITHMS.includes(header.alg ?? '')) {
        if (!hmacSecret) throw new errors.JOSEAlgNotAllowed('no HMAC secret is configured');
        return hmacSecret;
      }
      if (!keySet) throw new errors.JOSEAlgNotAllowed('no public keys are configured');
      return keySet(header, token);
    },
  };
  return keys;
}
