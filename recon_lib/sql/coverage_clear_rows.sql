-- Forget the period's rows not checkable before a run stores its own.
delete from coverage_rows where period = $period
