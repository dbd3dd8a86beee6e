-- Result rows of one run of one spec in the given states, for display.
SELECT state, reason_code, key, left_ids, right_ids, left_values, right_values, amount,
       explanation, details
FROM match_results
WHERE run_id = $run_id AND spec = $spec AND list_contains($states, state)
ORDER BY state, key NULLS LAST, left_ids NULLS LAST, right_ids NULLS LAST
