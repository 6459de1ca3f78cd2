/**
 * Authentication as configured: keys, the authenticator, and what to tell
 * the person starting the server about tokens.
 */
import type { AuthConfig } from '../config.ts';
import { createAuthenticator, type Authenticate, type KeyFailureLogger } from './authenticate.ts';
import { resolveHmacSecret } from './dev-secret.ts';
import { loadVerificationKeys, type KeyOptions } from './keys.ts';

export interface Authentication {
  authenticate: Authenticate;
  /** Lines for the startup log. */
  notes: string[];
}

export function setUpAuthentication(
  auth: AuthConfig,
  { logKeyFailure, ...keyOptions }: KeyOptions & { logKeyFailure?: KeyFailureLogger } = {},
): Authentication {
  const { secret, usingDevSecret, createdDevSecret } = resolveHmacSecret(auth);
  const keys = loadVerificationKeys(auth, secret, keyOptions);
  const notes: string[] = [];
  if (usingDevSecret) {
    notes.push(
      `No JWT_SECRET or JWKS configured: ${createdDevSecret ? 'made' : 'using'} a development secret in ${auth.devSecretFile}.`,
      `Mint a producer token with: npm run token -- --role ${auth.producerRoles[0]}`,
    );
  }
  notes.push(`Tokens accepted with ${keys.algorithms().join(', ') || 'no algorithm (no keys)'}.`);
  return { authenticate: createAuthenticator(auth, keys, logKeyFailure), notes };
}
