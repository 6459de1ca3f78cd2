-- The tables of the PostgREST deployment folioql replaces. Every statement
-- creates only what is missing, so this migration adopts an existing database
-- (its data kept) as well as filling an empty one.
DO $$ BEGIN
	CREATE TYPE "interval_enum" AS ENUM('week', 'day');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;--> statement-breakpoint
DO $$ BEGIN
	CREATE TYPE "market_enum" AS ENUM('kraken');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "portfolio_history" (
	"id" serial PRIMARY KEY,
	"timestamp" bigint NOT NULL,
	"updated_at" bigint,
	"market" "market_enum",
	"interval" "interval_enum",
	"usd_total_value" numeric(48,18),
	"usd_held" numeric(48,18),
	"interval_pct_return" numeric(48,18),
	"benchmark_btc_value" numeric(48,18),
	"benchmark_btc_interval_pct_return" numeric(48,18),
	"benchmark_eth_value" numeric(48,18),
	"benchmark_eth_interval_pct_return" numeric(48,18),
	CONSTRAINT "portfolio_history_market_interval_timestamp_key" UNIQUE("market","interval","timestamp")
);
--> statement-breakpoint
-- An adopted table may lack the natural key that upserts depend on. Adding it
-- fails, naming the duplicates, if the table holds two points with one key.
DO $$ BEGIN
	IF NOT EXISTS (
		SELECT FROM pg_index i
		WHERE i.indrelid = 'portfolio_history'::regclass AND i.indisunique AND i.indnkeyatts = 3
		AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
		     WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) = ARRAY['interval', 'market', 'timestamp']
	) THEN
		ALTER TABLE "portfolio_history"
			ADD CONSTRAINT "portfolio_history_market_interval_timestamp_key" UNIQUE ("market", "interval", "timestamp");
	END IF;
END $$;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "trades" (
	"id" text PRIMARY KEY,
	"timestamp" bigint NOT NULL,
	"market" "market_enum" NOT NULL,
	"symbol" text NOT NULL,
	"base_asset" text NOT NULL,
	"quote_asset" text NOT NULL,
	"is_buy" boolean NOT NULL,
	"amount" numeric(48,18) NOT NULL,
	"price" numeric(48,18) NOT NULL,
	"usd_value" numeric(48,18) NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "portfolio_history_interval_timestamp_id_idx" ON "portfolio_history" ("interval","timestamp","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "trades_timestamp_id_idx" ON "trades" ("timestamp" DESC,"id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "trades_symbol_timestamp_idx" ON "trades" ("symbol","timestamp" DESC,"id");
