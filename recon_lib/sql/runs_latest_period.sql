-- The latest period that has been run (null before the first run).
select max(period) as period from runs
