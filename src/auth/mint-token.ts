/**
 * Mints HS256 tokens for people and scripts: `npm run token` (scripts/token.ts).
 * Signed with JWT_SECRET or, in development, the secret the server keeps
 * under .data/.
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { resolveHmacSecret } from './dev-secret.ts';
import { ConfigError, loadConfig } from '../config.ts';

const usage =
  'Usage: npm run token -- --role <role> [--aud <url>] [--expires-in <1h|30d|never>] [--sub <name>] [--iss <issuer>]';

/** A signed token from command-line arguments such as ['--role', 'api_data_producer']. */
export async function mintToken(argv: string[], env: Record<string, string | undefined> = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      aud: { type: 'string' },
      'expires-in': { type: 'string', default: '1h' },
      sub: { type: 'string' },
      iss: { type: 'string' },
    },
    strict: true,
  });
  const config = loadConfig(env);
  const { role } = values;
  if (!role) throw new ConfigError(`--role is required. ${usage}`);
  if (!config.auth.allowedRoles.includes(role)) {
    throw new ConfigError(`--role must be one of ${config.auth.allowedRoles.join(', ')}, got "${role}"`);
  }
  const { secret } = resolveHmacSecret(config.auth);
  if (!secret) {
    throw new ConfigError(
      'No HMAC secret to sign with: set JWT_SECRET (tokens for a JWKS come from its issuer)',
    );
  }

  const token = new SignJWT({ role }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  const audience = values.aud ?? config.auth.audience;
  if (audience) token.setAudience(audience);
  const issuer = values.iss ?? config.auth.issuer;
  if (issuer) token.setIssuer(issuer);
  if (values.sub) token.setSubject(values.sub);
  if (values['expires-in'] !== 'never') {
    try {
      token.setExpirationTime(values['expires-in']!);
    } catch {
      throw new ConfigError(
        `--expires-in takes a duration such as 15m, 1h or 30d (or never), got "${values['expires-in']}"`,
      );
    }
  }
  return token.sign(new TextEncoder().encode(secret));
}
