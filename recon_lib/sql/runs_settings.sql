-- The settings the latest run of a period was made with (config.Settings as JSON; null before
-- the period has been run): the headline reads the deposit window its findings used.
select parameters from runs where period = $period order by started_at desc limit 1
