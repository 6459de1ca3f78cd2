/**
 * The errors clients are meant to read. Each carries an `extensions.code`
 * that a client can branch on; anything else that escapes a resolver is
 * masked by the server (see yoga.ts) so internals never leak.
 */
import { GraphQLError } from 'graphql';

/** The request asked for something malformed or out of range. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
