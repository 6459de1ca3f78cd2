-- Compounding interval returns exactly, in NUMERIC: the growth factor of a
-- series of percent returns is the product of (1 + r / 100). PostgreSQL has
-- no product aggregate, and exp(sum(ln(…))) would go through floating point.
-- The running product keeps 40 decimal places (18 are ever shown); a null
-- return counts as 0 %.
CREATE OR REPLACE FUNCTION folioql_compound_step(growth numeric, pct_return numeric)
	RETURNS numeric
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN round(growth * (1 + pct_return * 0.01), 40);--> statement-breakpoint
CREATE OR REPLACE AGGREGATE folioql_compound(numeric) (
	SFUNC = folioql_compound_step,
	STYPE = numeric,
	INITCOND = '1'
);
