-- Counts and amounts by state and reason code of one run of one spec, with the spec itself.
INSERT INTO match_stats (run_id, spec, state, reason_code, n, amount, parameters)
WITH results AS (
  SELECT state, reason_code, amount
  FROM match_results
  WHERE run_id = $run_id AND spec = $spec
)
SELECT $run_id, $spec, state, reason_code, COUNT(*), SUM(amount), CAST($parameters AS JSON)
FROM results
GROUP BY state, reason_code
