/**
 * The per-request context: built once for every HTTP request, shared by all
 * resolvers of that request and never by two requests.
 *
 * This is the one place where a request's database handle is made, so that
 * running each operation under the caller's role (or in a transaction) is a
 * change here rather than in every resolver.
 */
import type { Database, DatabaseConnection } from './db/database.ts';

export interface Context {
  /** The database handle every resolver of this request queries through. */
  db: Database;
}

export function createRequestContext(database: DatabaseConnection): Context {
  return { db: database.db };
}
