-- Counts and amounts by state and reason code of one keyed run, from its temporary match_units
-- (stored units count one each; matched units arrive as one tally row, n = how many), with the
-- spec itself.
INSERT INTO match_stats (run_id, spec, state, reason_code, n, amount, parameters)
WITH units AS (
  SELECT state, reason_code, n, amount
  FROM temp.match_units
)
SELECT $run_id, $spec, state, reason_code, SUM(n), SUM(amount), CAST($parameters AS JSON)
FROM units
GROUP BY state, reason_code
