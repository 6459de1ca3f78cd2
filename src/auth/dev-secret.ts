/**
 * The HMAC secret a development server makes for itself when none is
 * configured, kept under .data/ so tokens minted with `npm run token` keep
 * working across restarts. Never used with NODE_ENV=production.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type AuthConfig } from '../config.ts';

function readSecret(file: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(secret) < 32) {
    throw new ConfigError(
      `The development secret in ${file} is shorter than 32 bytes; delete the file to make a new one`,
    );
  }
  return secret;
}

export function readOrCreateDevSecret(file: string): { secret: string; created: boolean } {
  try {
    return { secret: readSecret(file), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // 'wx': if another process wrote it first, use theirs.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: readSecret(file), created: false };
  }
  return { secret, created: true };
}

/** The configured secret, or (outside production, with no keys at all) the development one. */
export function resolveHmacSecret(auth: AuthConfig): {
  secret: string | undefined;
  createdDevSecret: boolean;
  usingDevSecret: boolean;
} {
  if (auth.jwtSecret) return { secret: auth.jwtSecret, createdDevSecret: false, usingDevSecret: false };
  if (auth.production || auth.jwksUrl || auth.jwksFile) {
    return { secret: undefined, createdDevSecret: false, usingDevSecret: false };
  }
  const { secret, created } = readOrCreateDevSecret(auth.devSecretFile);
  return { secret, createdDevSecret: created, usingDevSecret: true };
}
