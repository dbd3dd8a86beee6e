-- Remove the matched rows of one run of one spec: they are counted in match_stats, not stored.
DELETE FROM match_results WHERE run_id = $run_id AND spec = $spec AND state = 'matched'
