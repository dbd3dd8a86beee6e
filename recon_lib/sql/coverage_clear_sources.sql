-- Forget the period's source states before a run stores its own.
delete from coverage_sources where period = $period
