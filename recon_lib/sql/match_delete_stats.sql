-- Remove one run's statistics of one spec (a re-run replaces them).
DELETE FROM match_stats WHERE run_id = $run_id AND spec = $spec
