CREATE TABLE "folioql_changes" (
	"id" bigserial PRIMARY KEY,
	"committed_at" bigint NOT NULL,
	"trades" jsonb,
	"history" jsonb
);
--> statement-breakpoint
CREATE TABLE "folioql_change_horizon" (
	"only" boolean PRIMARY KEY DEFAULT true,
	"pruned_through" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "folioql_change_horizon_one_row" CHECK ("only")
);
--> statement-breakpoint
CREATE INDEX "folioql_changes_committed_at_idx" ON "folioql_changes" ("committed_at");--> statement-breakpoint
INSERT INTO "folioql_change_horizon" ("only", "pruned_through") VALUES (true, 0);
--> statement-breakpoint
-- Records one committed write operation in the change log and announces it.
-- Called by folioql as the last statement of every writing transaction.
--
-- The write lock (the advisory lock every producer operation already holds;
-- taking it again is free) is taken before the id is drawn and held to the
-- commit: ids are then handed out in commit order, and a transaction that
-- reads the log never sees an id before a smaller one still to commit. A
-- plain sequence or a timestamp gives neither on its own.
--
-- pg_notify is sent only if the transaction commits, after it commits, and
-- carries only the id: listeners read the rest, so the payload stays tiny
-- however large the write. Entries older than `retention_ms` are pruned here,
-- and the horizon remembers the largest id pruned (cursors before it cannot
-- be resumed).
--
-- SECURITY DEFINER so the producer role needs EXECUTE on this function alone,
-- not INSERT or DELETE on the log.
CREATE OR REPLACE FUNCTION folioql_record_changes(trade_changes jsonb, history_changes jsonb, retention_ms bigint)
	RETURNS bigint
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path FROM CURRENT
AS $$
DECLARE
	now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
	event_id bigint;
	pruned bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(7215304120);
	INSERT INTO folioql_changes (committed_at, trades, history)
		VALUES (now_ms, trade_changes, history_changes)
		RETURNING id INTO event_id;
	PERFORM pg_notify('folioql_changes', event_id::text);
	IF retention_ms > 0 THEN
		WITH gone AS (
			DELETE FROM folioql_changes WHERE committed_at < now_ms - retention_ms AND id < event_id RETURNING id
		)
		SELECT max(id) INTO pruned FROM gone;
		IF pruned IS NOT NULL THEN
			UPDATE folioql_change_horizon SET pruned_through = greatest(pruned_through, pruned);
		END IF;
	END IF;
	RETURN event_id;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION folioql_record_changes(jsonb, jsonb, bigint) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION folioql_record_changes(jsonb, jsonb, bigint) TO api_data_producer;
--> statement-breakpoint
-- Anyone who may read trades may follow their changes: the log holds ids only.
GRANT SELECT ON folioql_changes, folioql_change_horizon TO api_anon, api_data_producer;
--> statement-breakpoint
GRANT SELECT ON SEQUENCE folioql_changes_id_seq TO api_anon, api_data_producer;
