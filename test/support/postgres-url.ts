/** Names and URLs of the throwaway databases the suite creates on TEST_DATABASE_URL's server. */
export const TEST_DATABASE_PREFIX = 'folioql_test_';

/** The same server and credentials, another database. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
