import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { postgresErrorOf } from '../src/db/errors.ts';
import { migrationsFolder, runMigrations } from '../src/db/migrate.ts';
import { portfolioHistory, trades } from '../src/db/schema.ts';
import { forEachDriver } from './support/test-database.ts';

/**
 * The tables as a PostgREST deployment may have them: no indexes but the
 * primary keys (not even the history's natural key), no migrations table.
 */
const POSTGREST_SCHEMA = `
  create type market_enum as enum ('kraken');
  create type interval_enum as enum ('week', 'day');
  create table trades (
    id text primary key, timestamp bigint not null, market market_enum not null,
    symbol text not null, base_asset text not null, quote_asset text not null, is_buy boolean not null,
    amount numeric(48,18) not null, price numeric(48,18) not null, usd_value numeric(48,18) not null);
  create table portfolio_history (
    id serial primary key, timestamp bigint not null, updated_at bigint,
    market market_enum, interval interval_enum,
    usd_total_value numeric(48,18), usd_held numeric(48,18), interval_pct_return numeric(48,18),
    benchmark_btc_value numeric(48,18), benchmark_btc_interval_pct_return numeric(48,18),
    benchmark_eth_value numeric(48,18), benchmark_eth_interval_pct_return numeric(48,18));
  insert into trades values ('legacy-1', 1600000000000, 'kraken', 'BTC/USD', 'BTC', 'USD', true, 1, 10000, 10000);
  insert into portfolio_history (timestamp, market, interval, usd_total_value) values (1600000000000, 'kraken', 'week', 5);
`;

async function indexNames(db: Database): Promise<string[]> {
  const rows = await db
    .select({ name: sql<string>`indexname` })
    .from(sql`pg_indexes`)
    .where(sql`tablename in ('trades', 'portfolio_history')`);
  return rows.map((row) => row.name).sort();
}

forEachDriver((database) => {
  beforeAll(async () => {
    // Back to a database that has only what PostgREST had.
    const { db } = database();
    await db.execute(sql`drop schema drizzle cascade`);
    await db.execute(sql`drop table trades, portfolio_history, folioql_changes, folioql_change_horizon`);
    await db.execute(sql`drop type market_enum, interval_enum`);
    for (const statement of POSTGREST_SCHEMA.split(';').filter((text) => text.trim())) {
      await db.execute(sql.raw(statement));
    }
  });

  it('adopt an existing PostgREST database, keeping its rows and adding the indexes', async () => {
    const { db } = database();
    expect(await indexNames(db)).not.toContain('trades_timestamp_id_idx');
    await runMigrations(db);
    expect(await db.select({ id: trades.id }).from(trades)).toEqual([{ id: 'legacy-1' }]);
    expect(await db.$count(portfolioHistory)).toBe(1);
    expect(await indexNames(db)).toEqual(
      expect.arrayContaining([
        'portfolio_history_interval_timestamp_id_idx',
        'trades_symbol_timestamp_idx',
        'trades_timestamp_id_idx',
      ]),
    );
  });

  it('add the natural key of history points an adopted table lacks', async () => {
    const [constraint] = await database()
      .db.select({ name: sql<string>`conname` })
      .from(sql`pg_constraint`)
      .where(sql`conrelid = 'portfolio_history'::regclass and contype = 'u'`);
    expect(constraint?.name).toBe('portfolio_history_market_interval_timestamp_key');
  });

  it('run once: a second run applies nothing', async () => {
    const { db } = database();
    const applied = () => db.$count(sql`drizzle.__drizzle_migrations`);
    const before = await applied();
    expect(before).toBeGreaterThan(0);
    database().statements.length = 0;
    await runMigrations(db);
    expect(await applied()).toBe(before);
    expect(database().statements.some((statement) => /create table "?trades/i.test(statement))).toBe(false);
  });

  it('migrate a fresh database once when instances start together', async () => {
    const { db } = database();
    await db.execute(sql`drop schema drizzle cascade`);
    await db.execute(sql`drop table trades, portfolio_history, folioql_changes, folioql_change_horizon`);
    await db.execute(sql`drop type market_enum, interval_enum`);
    // Unserialized, the runs would race to create the types and tables and
    // record each migration more than once.
    await Promise.all([runMigrations(db), runMigrations(db), runMigrations(db)]);
    const migrationFiles = readMigrationFiles({ migrationsFolder });
    expect(await db.$count(sql`drizzle.__drizzle_migrations`)).toBe(migrationFiles.length);
    expect(await db.$count(trades)).toBe(0);
  });

  it('refuse to adopt a history with two points under one key, naming them', async () => {
    const { db } = database();
    await db.execute(sql`drop schema drizzle cascade`);
    await db.execute(sql`drop table trades, portfolio_history, folioql_changes, folioql_change_horizon`);
    await db.execute(sql`drop type market_enum, interval_enum`);
    for (const statement of POSTGREST_SCHEMA.split(';').filter((text) => text.trim())) {
      await db.execute(sql.raw(statement));
    }
    await db.execute(
      sql.raw(
        `insert into portfolio_history (timestamp, market, interval) values (1600000000000, 'kraken', 'week')`,
      ),
    );
    const failure = await runMigrations(db).catch((error: unknown) => error);
    expect(postgresErrorOf(failure)).toMatchObject({
      code: '23505',
      detail: 'Key (market, "interval", "timestamp")=(kraken, week, 1600000000000) is duplicated.',
    });
  });
});
