-- Record the start of a reconciliation run with its settings.
insert into runs values ($run_id, $period, cast($started as timestamp), null, $parameters)
