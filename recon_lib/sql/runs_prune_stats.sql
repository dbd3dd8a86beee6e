-- Keep the match counts of a period's latest run only (see runs_prune_results).
delete from match_stats
where run_id in (select run_id from runs where period = $period and run_id <> $run_id)
