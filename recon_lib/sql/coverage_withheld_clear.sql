-- Forget the findings an earlier run of the period withheld.
delete from coverage_withheld where period = $period
