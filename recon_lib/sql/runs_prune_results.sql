-- Keep the match results of a period's latest run only: earlier runs of the period were
-- superseded (their findings replaced) and would otherwise grow the database with every run.
delete from match_results
where run_id in (select run_id from runs where period = $period and run_id <> $run_id)
