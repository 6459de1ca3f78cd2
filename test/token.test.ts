import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint-token.ts';
import { setUpAuthentication } from '../src/auth/setup.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { TEST_SECRET } from './support/auth.ts';

const env = { JWT_SECRET: TEST_SECRET };

describe('npm run token', () => {
  it('mints a token the server accepts, with the claims asked for', async () => {
    const token = await mintToken(
      [
        '--role',
        'api_data_producer',
        '--aud',
        'http://api.test/graphql',
        '--sub',
        'feeder',
        '--expires-in',
        '2h',
      ],
      env,
    );
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      role: 'api_data_producer',
      aud: 'http://api.test/graphql',
      sub: 'feeder',
    });
    expect(claims.exp! - claims.iat!).toBe(7200);
    const { authenticate } = setUpAuthentication(
      loadConfig({ ...env, JWT_AUDIENCE: 'http://api.test/graphql' }).auth,
    );
    expect(await authenticate(`Bearer ${token}`)).toMatchObject({
      role: 'api_data_producer',
      subject: 'feeder',
    });
  });

  it('expires in an hour unless told otherwise, and never only when asked', async () => {
    const hour = decodeJwt(await mintToken(['--role', 'api_anon'], env));
    expect(hour.exp! - hour.iat!).toBe(3600);
    expect(
      decodeJwt(await mintToken(['--role', 'api_anon', '--expires-in', 'never'], env)).exp,
    ).toBeUndefined();
  });

  it.each([
    [[], '--role is required'],
    [['--role', 'postgres'], '--role must be one of api_anon, api_data_producer, got "postgres"'],
    [['--role', 'api_anon', '--expires-in', 'soon'], '--expires-in takes a duration such as 15m, 1h or 30d'],
  ])('refuses %j', async (argv, message) => {
    await expect(mintToken(argv, env)).rejects.toThrow(message);
  });

  it('has nothing to sign with when only a JWKS is configured', async () => {
    await expect(
      mintToken(['--role', 'api_anon'], { JWKS_URL: 'https://issuer.example/jwks.json' }),
    ).rejects.toThrow(ConfigError);
  });

  it('prints the token on the command line, and a clear error with exit code 1', () => {
    const tsx = path.resolve('node_modules/.bin/tsx');
    const ok = spawnSync(tsx, ['src/scripts/token.ts', '--role', 'api_data_producer'], {
      env: { ...process.env, ...env },
    });
    expect(ok.status).toBe(0);
    expect(decodeJwt(ok.stdout.toString().trim()).role).toBe('api_data_producer');
    const bad = spawnSync(tsx, ['src/scripts/token.ts', '--role', 'postgres'], {
      env: { ...process.env, ...env },
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.toString()).toContain('token: --role must be one of');
  });
});

describe('the development secret', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'folioql-dev-secret-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once, kept private under the data directory, and shared by the server and npm run token', async () => {
    const devEnv = { PGLITE_DATA_DIR: path.join(dir, 'pglite') };
    const first = setUpAuthentication(loadConfig(devEnv).auth);
    expect(first.notes[0]).toContain(`made a development secret in ${path.join(dir, 'jwt-secret')}`);
    expect(first.notes[1]).toBe('Mint a producer token with: npm run token -- --role api_data_producer');
    expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);

    const token = await mintToken(['--role', 'api_data_producer'], devEnv);
    const again = setUpAuthentication(loadConfig(devEnv).auth);
    expect(again.notes[0]).toContain('using a development secret');
    expect((await again.authenticate(`Bearer ${token}`)).role).toBe('api_data_producer');
  });

  it('is never made in production: the server refuses to start without a key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PGLITE_DATA_DIR: path.join(dir, 'prod') })).toThrow(
      'NODE_ENV is production but no key is configured: set JWT_SECRET (at least 32 bytes), JWKS_URL or JWKS_FILE',
    );
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'too-short' })).toThrow(
      'JWT_SECRET must be at least 32 bytes, got 9',
    );
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET }).auth.production).toBe(true);
  });
});
