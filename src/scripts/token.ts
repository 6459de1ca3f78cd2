/**
 * `npm run token -- --role api_data_producer [--aud URL] [--expires-in 1h] [--sub NAME]`
 *
 * Prints a token to call the API with. --expires-in defaults to 1h; producer
 * scripts that need a lasting token ask for one (30d, or never).
 */
import { mintToken } from '../auth/mint-token.ts';

try {
  console.log(await mintToken(process.argv.slice(2)));
} catch (error) {
  console.error(`token: ${(error as Error).message}`);
  process.exit(1);
}
