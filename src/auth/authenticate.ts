/**
 * From an Authorization header to the viewer a request acts as.
 *
 * No header: the anonymous role. A header that does not carry a valid token
 * is refused with 401, never treated as anonymous, so a producer whose token
 * has expired learns so at once instead of being quietly read-only.
 */
import type { GraphQLError } from 'graphql';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig } from '../config.ts';
import { clientError, ERROR_CODES } from '../errors.ts';
import { INSTANT_MAX_MILLIS } from '../input-values.ts';
import type { VerificationKeys } from './keys.ts';

export interface Viewer {
  /** The PostgreSQL role the request's statements run as. */
  role: string;
  /** Whether the role may use the producer API. */
  isProducer: boolean;
  /** The token's claims, given to PostgreSQL as request.jwt.claims (PostgREST's name). */
  claims: Record<string, unknown>;
  /** The token's `sub`, if any. */
  subject: string | undefined;
  /** The token's `exp` in epoch milliseconds, if any. */
  expiresAt: number | undefined;
}

export type Authenticate = (authorization: string | null) => Promise<Viewer>;

/** A 401 that tells the client, in words and in WWW-Authenticate, what is wrong. */
export function unauthenticated(
  description: string,
  error: 'invalid_token' | 'invalid_request' = 'invalid_token',
) {
  // Header-safe: printable ASCII without quotes or backslashes.
  const headerDescription = description.replace(/[^\x20-\x7e]|["\\]/g, "'");
  return clientError(ERROR_CODES.UNAUTHENTICATED, `Invalid bearer token: ${description}`, {
    status: 401,
    headers: { 'WWW-Authenticate': `Bearer error="${error}", error_description="${headerDescription}"` },
  });
}

/** The key set itself could not be had: the token may be fine, so this is no 401. */
function keysUnavailable(): GraphQLError {
  return clientError(
    ERROR_CODES.AUTHENTICATION_UNAVAILABLE,
    'The token could not be checked: the keys to check it with are unavailable. Try again shortly.',
    { status: 503 },
  );
}

/** Failures that mean the token is not acceptable, as opposed to the server being unable to check it. */
const TOKEN_FAILURES = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
];

function describeVerificationFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) {
    return error.claim === 'iat' ? 'the token is too old' : 'the token has expired';
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token has no ${error.claim} claim, and this API requires one`;
    switch (error.claim) {
      case 'nbf':
        return 'the token is not valid yet (nbf)';
      case 'aud':
        return 'the token is for another audience (aud)';
      case 'iss':
        return 'the token is from another issuer (iss)';
      default:
        return `the token's ${error.claim} claim is not acceptable: ${error.reason}`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return "the token's signing algorithm is not accepted here";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not match';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no configured key matches the token';
  return 'the token is malformed';
}

function readClaim(payload: JWTPayload, path: string[]): unknown {
  let value: unknown = payload;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Where a failure to fetch or read the key set is reported; the client only learns it was unavailable. */
export type KeyFailureLogger = (message: string, error: unknown) => void;

export function createAuthenticator(
  auth: AuthConfig,
  keys: VerificationKeys,
  logKeyFailure: KeyFailureLogger = () => {},
): Authenticate {
  const options = () => ({
    algorithms: keys.algorithms(),
    audience: auth.audience,
    issuer: auth.issuer,
    clockTolerance: auth.clockToleranceSeconds,
  });

  const verify = async (token: string): Promise<JWTPayload> => {
    try {
      return (await jwtVerify(token, keys.getKey, options())).payload;
    } catch (error) {
      // Several keys fit the token's header (no kid): try each, as jose advises.
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      for await (const key of error) {
        try {
          return (await jwtVerify(token, key, options())).payload;
        } catch (attempt) {
          if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  };

  const viewerFor = (role: string, claims: JWTPayload): Viewer => ({
    role,
    isProducer: auth.producerRoles.includes(role),
    claims,
    subject: claims.sub,
    // An exp beyond what a date can show is as good as none.
    expiresAt:
      claims.exp === undefined || claims.exp * 1000 > INSTANT_MAX_MILLIS ? undefined : claims.exp * 1000,
  });
  const anonymous = viewerFor(auth.anonymousRole, { role: auth.anonymousRole });

  return async (authorization) => {
    if (authorization === null) return anonymous;
    const token = /^Bearer +([^\s]+) *$/i.exec(authorization)?.[1];
    if (!token) {
      throw unauthenticated('the Authorization header must be "Bearer <token>"', 'invalid_request');
    }

    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      if (TOKEN_FAILURES.some((kind) => error instanceof kind))
        throw unauthenticated(describeVerificationFailure(error));
      logKeyFailure('The key set for verifying tokens is unavailable', error);
      throw keysUnavailable();
    }
    // jose checks a future iat only with maxTokenAge; a token from the future is as suspect as an expired one.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + auth.clockToleranceSeconds) {
      throw unauthenticated('the token was issued in the future (iat)');
    }

    const role = readClaim(payload, auth.roleClaimPath);
    // A token that names no role acts as anonymous, as with PostgREST.
    if (role === undefined || role === null) return viewerFor(auth.anonymousRole, payload);
    if (typeof role !== 'string')
      throw unauthenticated(`the ${auth.roleClaimPath.join('.')} claim must be a string`);
    if (!auth.allowedRoles.includes(role)) {
      throw unauthenticated(`the role "${role.slice(0, 64)}" is not one this API grants`);
    }
    return viewerFor(role, payload);
  };
}
