/**
 * patches/postgres+3.4.9.patch, on postgres.js alone (no app): a connection
 * that closes with a write still to go neither crashes the process nor is
 * left unable to connect again, and nothing of a closed session reaches the
 * next one. Unpatched, the first test ends in an uncaught `TypeError: Cannot
 * read properties of null (reading 'write')` from `Immediate.nextWrite`
 * (porsager/postgres#1154, #1208), which vitest reports as an unhandled
 * error, and its late statement never settles; the second never connects
 * again (CONNECT_TIMEOUT on every attempt); in the third, the first query
 * after the reconnect fails with the killed session's 57P01.
 *
 * And a transaction PostgreSQL rolled back at COMMIT (its prepared COMMIT
 * was gone from the server, as behind a pooler) rejects with
 * COMMIT_ROLLED_BACK: unpatched, it resolves as if its writes were kept.
 *
 * And a query's `prelude` (the role setup of a read, db/role-transaction.ts)
 * runs ahead of it in one implicit transaction: what it sets holds for the
 * query and ends with it; if it fails, the query is not run; a query that
 * would go by the simple protocol is refused rather than sent without it.
 *
 * Runs on TEST_DATABASE_URL's server, ending only its own sessions.
 */
import { createConnection, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterEach, describe, expect, inject, it } from 'vitest';

const serverUrl = inject('postgresTemplate')?.serverUrl;

/** `promise`'s outcome, or 'never settled' after `ms`. */
function settled(promise: Promise<unknown>, ms = 2_000): Promise<unknown> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: { code?: string }) => ({ rejected: error.code }),
    ),
    new Promise((resolve) => setTimeout(resolve, ms, 'never settled')),
  ]);
}

describe.runIf(serverUrl)('postgres.js when a connection closes with a write still to go', () => {
  const clients: postgres.Sql[] = [];
  const client = (options: Record<string, unknown> = {}) => {
    const sql = postgres(serverUrl!, { max: 1, onnotice: () => {}, ...options } as postgres.Options<{}>);
    clients.push(sql);
    return sql;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((sql) => sql.end({ timeout: 1 })));
  });

  it("fails a statement sent on a transaction's handle after its connection closed, and answers rightly after", async () => {
    const sql = client();
    const killer = client();
    let connectionClosed!: () => void;
    const closed = new Promise<void>((resolve) => (connectionClosed = resolve));
    let lateOutcome!: (outcome: unknown) => void;
    const late = new Promise((resolve) => (lateOutcome = resolve));

    const transaction = sql.begin(async (tx) => {
      const [session] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await killer`select pg_terminate_backend(${session!.pid})`;
      await closed;
      // postgres.js's own ROLLBACK or COMMIT takes this same path.
      lateOutcome(await settled(tx`select 'late' as x`));
    });
    // postgres.js rejects the transaction as soon as its connection closes.
    await expect(transaction).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    connectionClosed();
    expect(await late).toEqual({ rejected: 'CONNECTION_CLOSED' });

    // The same pooled connection, reconnected: each query gets its own answer.
    for (const x of ['a', 'b', 'c']) {
      expect(await settled(sql`select ${x}::text as x`)).toEqual({ value: [{ x }] });
    }
  });

  it("answers the first query after a session was killed mid-query, not with that session's error", async () => {
    const sql = client();
    const killer = client();
    const [session] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const sleeping = settled(sql`select pg_sleep(10)`, 5_000);
    // The statement is running on the server before its session is ended.
    const running = () =>
      killer`select from pg_stat_activity where pid = ${session!.pid} and state = 'active'`;
    while ((await running()).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await killer`select pg_terminate_backend(${session!.pid})`;
    expect(await sleeping).toEqual({ rejected: 'CONNECTION_CLOSED' });
    expect(await settled(sql`select 'after' as x`)).toEqual({ value: [{ x: 'after' }] });
  });

  it('connects again after a connection was cut while a small write waited to be sent', async () => {
    const url = new URL(serverUrl!);
    const sockets: Socket[] = [];
    const sql = client({
      connect_timeout: 1,
      // postgres.js takes a connected socket from here: the test can cut it.
      socket: () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = createConnection(Number(url.port || 5432), url.hostname);
          socket.once('error', reject).once('connect', () => {
            sockets.push(socket);
            resolve(socket);
          });
        }),
    });
    expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);

    // postgres.js sends a write under 1 KiB from a setImmediate. Started from
    // a setImmediate, that one runs on the loop's next turn, after this
    // turn's close callbacks, where the socket destroyed here closes.
    const cut = await new Promise<Promise<unknown>>((resolve) =>
      setImmediate(async () => {
        const query = settled(sql`select 'buffered' as x`);
        // Every microtask has run: the query is written to postgres.js's buffer.
        await new Promise((next) => process.nextTick(next));
        sockets.at(-1)!.destroy();
        resolve(query);
      }),
    );
    expect(await cut).toEqual({ rejected: 'CONNECTION_CLOSED' });

    expect(await settled(sql`select 2 as two`)).toEqual({ value: [{ two: 2 }] });
    expect(sockets).toHaveLength(2);
  });
});

describe.runIf(serverUrl)('postgres.js at COMMIT', () => {
  it('reports a transaction PostgreSQL rolled back at COMMIT, rather than resolving as if it committed', async () => {
    const sql = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    try {
      await sql`create temporary table patch_commit_check (id int)`;
      // postgres.js prepares its COMMIT once per connection. With that
      // statement gone from the server (as when a pooler sends the next
      // transaction to another server connection), the COMMIT fails,
      // postgres.js prepares it again inside the now aborted transaction,
      // and PostgreSQL answers that COMMIT with ROLLBACK and no error.
      await sql.begin((tx) => tx`select 1`);
      await sql.unsafe('deallocate all');
      const transaction = sql.begin(async (tx) => {
        await tx`insert into patch_commit_check values (1)`;
      });
      await expect(transaction).rejects.toMatchObject({ code: 'COMMIT_ROLLED_BACK' });
      expect(await sql`select count(*)::int as n from patch_commit_check`).toEqual([{ n: 0 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});

describe.runIf(serverUrl)('postgres.js with a prelude', () => {
  const setup = (role: string, timeout = '1234') => ({
    string: `select set_config('role', $1, true), set_config('statement_timeout', $2, true),
      set_config('transaction_read_only', 'on', true)`,
    parameters: [role, timeout],
  });
  const SEEN = `select current_user as role, current_setting('statement_timeout') as timeout,
    current_setting('transaction_read_only') as read_only, $1::int as n`;
  let sql: postgres.Sql;
  afterEach(async () => {
    await sql?.end({ timeout: 1 });
  });

  it('runs the prelude ahead of the query, prepared or not, and nothing of it outlives the query', async () => {
    sql = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    const asAnon = { role: 'api_anon', timeout: '1234ms', read_only: 'on' };
    // Described first, then prepared; then unnamed (described first too).
    for (const [n, prepare] of [
      [1, true],
      [2, true],
      [3, false],
    ] as const) {
      expect(await sql.unsafe(SEEN, [n], { prepare, prelude: setup('api_anon') })).toEqual([
        { ...asAnon, n },
      ]);
    }
    // Without parameters, by the extended protocol.
    expect(
      await sql.unsafe('select current_user as role', [], { simple: false, prelude: setup('api_anon') }),
    ).toEqual([{ role: 'api_anon' }]);
    expect(await sql.unsafe(SEEN, [4])).toEqual([
      { role: expect.not.stringMatching(/^api_/), timeout: '0', read_only: 'off', n: 4 },
    ]);
  });

  it('does not run the query when the prelude fails, and the queries pipelined after it answer rightly', async () => {
    sql = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await sql`create temporary table prelude_check (id int)`;
    const outcomes = await Promise.all(
      ['api_anon', 'no_such_role_for_a_prelude', 'api_anon'].map((role, index) =>
        sql
          .unsafe(index === 1 ? 'insert into prelude_check values ($1) returning id' : SEEN, [index], {
            prepare: true,
            prelude: setup(role),
          })
          .then(
            (rows) => rows[0],
            (error: Error) => error.message,
          ),
      ),
    );
    expect(outcomes).toEqual([
      { role: 'api_anon', timeout: '1234ms', read_only: 'on', n: 0 },
      'role "no_such_role_for_a_prelude" does not exist',
      { role: 'api_anon', timeout: '1234ms', read_only: 'on', n: 2 },
    ]);
    // The login role could have inserted: the statement was skipped, not refused.
    expect(await sql`select count(*)::int as n from prelude_check`).toEqual([{ n: 0 }]);
  });

  it('refuses a query with a prelude that would go by the simple protocol, sending nothing', async () => {
    sql = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await sql`create temporary table prelude_simple_check (id int)`;
    await expect(
      sql.unsafe('insert into prelude_simple_check values (1)', [], { prelude: setup('api_anon') }),
    ).rejects.toMatchObject({ code: 'PRELUDE_NEEDS_EXTENDED_PROTOCOL' });
    expect(await sql`select count(*)::int as n from prelude_simple_check`).toEqual([{ n: 0 }]);
  });
});
