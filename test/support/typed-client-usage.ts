/**
 * Compile-time checks of the typed client: type-checked with it (see
 * test/typed-client.test.ts), never run. Each line fails to compile if the
 * generated types drift from what clients rely on.
 */
import {
  createFolioqlClient,
  latestTradesQuery,
  upsertTradesMutation,
  type FolioqlError,
} from '../../src/programs/client/index.ts';

export async function usage() {
  const client = createFolioqlClient({ url: 'http://localhost:4000/graphql' });
  const { latestTrades } = await client.request(latestTradesQuery, { limit: 5 });
  const trade = latestTrades[0]!;
  // Decimals are exact strings, instants are numbers.
  const amount: string = trade.amount;
  const timestamp: number = trade.timestamp;
  // @ts-expect-error a Decimal is not a number
  const wrong: number = trade.amount;
  // @ts-expect-error variables are checked: limit is an Int
  await client.request(latestTradesQuery, { limit: 'five' });
  // @ts-expect-error required variables are required
  await client.request(upsertTradesMutation);
  const code: FolioqlError['code'] = 'BAD_USER_INPUT';
  // @ts-expect-error error codes are a closed list
  const unknown: FolioqlError['code'] = 'NO_SUCH_CODE';
  return [amount, timestamp, wrong, code, unknown];
}
