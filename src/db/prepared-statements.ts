/**
 * Named prepared statements for drizzle's queries on postgres.js.
 *
 * drizzle sends each query unnamed (`prepare: false`), and postgres.js then
 * spends a round trip describing every statement that has parameters before
 * it can run it: two round trips a statement, where a named statement that
 * the connection has already prepared takes one. Counted on the wire, an
 * anonymous read went from six round trips to four (test/round-trips.test.ts).
 *
 * Prepared statements live on each server connection, so their number is
 * bounded here: the first `limit` distinct statement texts are prepared, any
 * others run unnamed as before. Texts come from code paths, but `where`
 * filters can make new ones, and a client must not be able to grow every
 * connection's memory without end.
 *
 * Behind PgBouncer in transaction mode, named statements need PgBouncer 1.21
 * or later with max_prepared_statements set; DATABASE_PREPARED_STATEMENTS=0
 * turns them off for older poolers.
 */
import type { Sql } from 'postgres';

type Unsafe = Sql['unsafe'];

export function withPreparedStatements(client: Sql, limit: number): Sql {
  if (limit <= 0) return client;
  const prepared = new Set<string>();
  const mayPrepare = (text: string) =>
    prepared.has(text) || (prepared.size < limit && Boolean(prepared.add(text)));

  const preparing = (unsafe: Unsafe): Unsafe =>
    ((text: string, parameters?: never[], options?: object) =>
      unsafe(text, parameters, { ...options, prepare: mayPrepare(text) })) as Unsafe;

  /** The same client, its `unsafe` preparing, and so for the clients its transactions hand out. */
  const wrap = (sql: Sql): Sql =>
    new Proxy(sql, {
      get(target, property, receiver) {
        if (property === 'unsafe') return preparing(target.unsafe);
        if (property === 'begin') {
          return (work: (tx: Sql) => unknown) => target.begin((tx) => work(wrap(tx as unknown as Sql)));
        }
        return Reflect.get(target, property, receiver);
      },
    });
  return wrap(client);
}
