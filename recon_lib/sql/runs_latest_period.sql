-- The period of the latest run (null before the first run): labels of different kinds (month,
-- week, day) do not sort by time, so the run's start decides.
select period from runs order by started_at desc limit 1
