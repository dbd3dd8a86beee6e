-- Remove one run's result rows of one spec (a re-run replaces them).
DELETE FROM match_results WHERE run_id = $run_id AND spec = $spec
