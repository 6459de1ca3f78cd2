/**
 * Checks, before serving, that every role a token may name can be used
 * safely: it exists, the login role may switch to it, and it cannot bypass
 * grants or row-level security (superuser, BYPASSRLS, owner of the tables,
 * or member of pg_write_all_data); and that each may follow the change log
 * subscriptions read, and each producer role record its writes in it (the
 * migrations grant both to api_anon and api_data_producer; other roles need
 * the GRANTs the message names).
 */
import { sql } from 'drizzle-orm';
import { ConfigError } from '../config.ts';
import type { Database } from './database.ts';

export async function checkRoles(
  db: Database,
  roles: readonly string[],
  producerRoles: readonly string[] = [],
): Promise<void> {
  const found = await db
    .select({
      name: sql<string>`rolname`,
      privileged: sql<boolean>`rolsuper or rolbypassrls`,
      owner: sql<boolean>`exists (
        select from pg_tables t
        where t.schemaname = current_schema() and t.tablename in ('trades', 'portfolio_history')
          and pg_has_role(pg_roles.oid, (select o.oid from pg_roles o where o.rolname = t.tableowner), 'MEMBER'))`,
      writesAll: sql<boolean>`exists (
        select from pg_roles w where w.rolname = 'pg_write_all_data' and pg_has_role(pg_roles.oid, w.oid, 'MEMBER'))`,
      usable: sql<boolean>`pg_has_role(current_user, oid, 'MEMBER')`,
      followsChanges: sql<boolean>`has_table_privilege(oid, 'folioql_changes', 'SELECT')
        and has_table_privilege(oid, 'folioql_change_horizon', 'SELECT')
        and has_sequence_privilege(oid, 'folioql_changes_id_seq', 'SELECT')`,
      recordsChanges: sql<boolean>`has_function_privilege(oid, 'folioql_record_changes(jsonb, jsonb, bigint)', 'EXECUTE')`,
      loginRole: sql<string>`current_user`,
    })
    .from(sql`pg_roles`)
    .where(sql`rolname = any(${sql.param([...roles])}::text[])`);

  const problems: string[] = [];
  for (const role of roles) {
    const row = found.find((candidate) => candidate.name === role);
    if (!row) {
      problems.push(`role "${role}" does not exist (the migrations create api_anon and api_data_producer)`);
    } else if (row.privileged) {
      problems.push(
        `role "${role}" is a superuser or bypasses row-level security; tokens must not be able to name it`,
      );
    } else if (row.owner) {
      problems.push(
        `role "${role}" owns the tables (or is a member of their owner), so grants would not bind it`,
      );
    } else if (row.writesAll) {
      problems.push(`role "${role}" is a member of pg_write_all_data, so grants would not bind it`);
    } else if (!row.usable) {
      problems.push(
        `the login role "${row.loginRole}" cannot switch to "${role}": GRANT ${role} TO ${row.loginRole}`,
      );
    } else if (!row.followsChanges) {
      problems.push(
        `role "${role}" cannot read the change log subscriptions follow: GRANT SELECT ON folioql_changes, folioql_change_horizon TO ${role}; GRANT SELECT ON SEQUENCE folioql_changes_id_seq TO ${role}`,
      );
    } else if (producerRoles.includes(role) && !row.recordsChanges) {
      problems.push(
        `producer role "${role}" cannot record its writes in the change log: GRANT EXECUTE ON FUNCTION folioql_record_changes(jsonb, jsonb, bigint) TO ${role}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`The roles tokens may name are not ready:\n- ${problems.join('\n- ')}`);
  }
}
