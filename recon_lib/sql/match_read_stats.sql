-- The statistics of one run of one spec (small: one row per state and reason code).
SELECT state, reason_code, n, amount
FROM match_stats
WHERE run_id = $run_id AND spec = $spec
ORDER BY state, reason_code NULLS FIRST
