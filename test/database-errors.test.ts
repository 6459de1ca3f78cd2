/**
 * Real PostgreSQL errors, from both drivers, turned into errors a client can act on.
 */
import { sql } from 'drizzle-orm';
import { expect, it, onTestFinished } from 'vitest';
import { clientErrorFor } from '../src/db/errors.ts';
import { checkRoles } from '../src/db/roles.ts';
import { trades } from '../src/db/schema.ts';
import { trade } from './support/fixtures.ts';
import { forEachDriver } from './support/test-database.ts';

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

forEachDriver((database) => {
  it.each([
    [
      '42501 permission denied',
      () =>
        database().db.transaction(async (tx) => {
          await tx.execute(sql`select set_config('role', 'api_anon', true)`);
          await tx.insert(trades).values(trade({ id: 'x' }));
        }),
      {
        code: 'FORBIDDEN',
        message: "The database refused this for the request's role: permission denied for table trades",
      },
    ],
    [
      '23505 duplicate key',
      async () => {
        await database()
          .db.insert(trades)
          .values(trade({ id: 'dup' }));
        await database()
          .db.insert(trades)
          .values(trade({ id: 'dup' }));
      },
      {
        code: 'CONFLICT',
        message:
          'duplicate key value violates unique constraint "trades_pkey" (Key (id)=(dup) already exists.)',
      },
    ],
    [
      '22003 numeric out of range',
      () =>
        database()
          .db.insert(trades)
          .values(trade({ id: 'big', amount: '1'.repeat(31) })),
      { code: 'BAD_USER_INPUT', message: expect.stringContaining('numeric field overflow') },
    ],
    [
      '22P02 invalid text',
      () => database().db.execute(sql`select 'abc'::bigint`),
      { code: 'BAD_USER_INPUT', message: 'invalid input syntax for type bigint: "abc"' },
    ],
  ])('maps %s', async (_, run, expected) => {
    expect(clientErrorFor(await errorOf(run))).toEqual(expected);
  });

  it('leaves other errors masked', async () => {
    const error = await errorOf(() => database().db.execute(sql`select * from no_such_table`));
    expect(clientErrorFor(error)).toBeUndefined();
    expect(clientErrorFor(new Error('not a database error'))).toBeUndefined();
  });

  it('checks the roles tokens may name before serving', async () => {
    await checkRoles(database().db, ['api_anon', 'api_data_producer']);
    await expect(checkRoles(database().db, ['api_anon', 'no_such_role_here'])).rejects.toThrow(
      'role "no_such_role_here" does not exist',
    );
    await expect(checkRoles(database().db, ['postgres'])).rejects.toThrow(
      'role "postgres" is a superuser or bypasses row-level security; tokens must not be able to name it',
    );
  });

  it('refuses roles that would not be bound by the grants', async () => {
    const { db } = database();
    // Roles are cluster-wide: made for this test, dropped after it.
    await db.execute(
      sql.raw(`do $$ begin
      if not exists (select from pg_roles where rolname = 'api_writes_all') then create role api_writes_all nologin; end if;
      exception when duplicate_object then null; end $$`),
    );
    await db.execute(sql.raw('grant pg_write_all_data to api_writes_all'));
    await db.execute(sql.raw('grant api_writes_all to current_user'));
    onTestFinished(() => db.execute(sql.raw('drop role if exists api_writes_all')).then(() => undefined));
    await expect(checkRoles(db, ['api_writes_all'])).rejects.toThrow(
      'role "api_writes_all" is a member of pg_write_all_data, so grants would not bind it',
    );
  });

  it('refuses roles that could not follow the change log, or producers that could not record in it', async () => {
    const { db } = database();
    await db.execute(
      sql.raw(`do $$ begin
      if not exists (select from pg_roles where rolname = 'api_no_log') then create role api_no_log nologin; end if;
      exception when duplicate_object then null; end $$`),
    );
    await db.execute(sql.raw('grant api_no_log to current_user'));
    onTestFinished(async () => {
      // Its grants first: a role that holds privileges cannot be dropped.
      await db.execute(sql.raw('drop owned by api_no_log'));
      await db.execute(sql.raw('drop role if exists api_no_log'));
    });
    await expect(checkRoles(db, ['api_no_log'])).rejects.toThrow(
      'role "api_no_log" cannot read the change log subscriptions follow: GRANT SELECT ON folioql_changes, folioql_change_horizon TO api_no_log; GRANT SELECT ON SEQUENCE folioql_changes_id_seq TO api_no_log',
    );
    await db.execute(sql.raw('grant select on folioql_changes, folioql_change_horizon to api_no_log'));
    await db.execute(sql.raw('grant select on sequence folioql_changes_id_seq to api_no_log'));
    await checkRoles(db, ['api_no_log']);
    await expect(checkRoles(db, ['api_no_log'], ['api_no_log'])).rejects.toThrow(
      'producer role "api_no_log" cannot record its writes in the change log: GRANT EXECUTE ON FUNCTION folioql_record_changes(jsonb, jsonb, bigint) TO api_no_log',
    );
    await checkRoles(db, ['api_anon', 'api_data_producer'], ['api_data_producer']);
  });
});
