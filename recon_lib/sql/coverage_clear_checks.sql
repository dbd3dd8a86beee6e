-- Forget the period's check statuses before a run stores its own.
delete from coverage_checks where period = $period
