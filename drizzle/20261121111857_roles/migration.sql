-- The roles and grants of the PostgREST deployment. Roles are cluster-wide
-- and may exist already (another database, an earlier PostgREST setup), so
-- they are created only when missing.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'api_anon') THEN
		CREATE ROLE api_anon NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'api_data_producer') THEN
		CREATE ROLE api_data_producer NOLOGIN;
	END IF;
EXCEPTION WHEN duplicate_object THEN
	-- Another database's migration created them at the same moment.
	NULL;
END $$;--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO api_anon, api_data_producer;--> statement-breakpoint
-- Anyone may read the latest trades and the portfolio history.
GRANT SELECT ON trades, portfolio_history TO api_anon, api_data_producer;--> statement-breakpoint
-- The producer writes them.
GRANT INSERT, UPDATE, DELETE ON trades, portfolio_history TO api_data_producer;--> statement-breakpoint
GRANT USAGE ON SEQUENCE portfolio_history_id_seq TO api_data_producer;--> statement-breakpoint
-- The login role that migrates (normally the one the server connects as)
-- switches to both for each request.
GRANT api_anon, api_data_producer TO CURRENT_USER;
