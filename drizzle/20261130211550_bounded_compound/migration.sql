-- Compounded returns grow without bound: a producer may legally store
-- +10^20 % a week, and 2,000 such points compound to 36,000 digits, which
-- every reader of the range would make PostgreSQL compute and send. No
-- answer can show a growth factor of 10^28 or more (its return, in percent,
-- would outgrow NUMERIC(48,18)'s 30 integer digits), so past 10^40 the
-- running product becomes NaN and stays NaN: the API refuses such a range
-- with a clear error (see src/schema/portfolio-performance.ts). Below the
-- bound nothing changes: 40 decimal places, a null return counting as 0 %.
CREATE OR REPLACE FUNCTION folioql_compound_step(growth numeric, pct_return numeric)
	RETURNS numeric
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN CASE
		WHEN abs(growth * (1 + pct_return * 0.01)) < 1e40 THEN round(growth * (1 + pct_return * 0.01), 40)
		ELSE 'NaN'::numeric
	END;
