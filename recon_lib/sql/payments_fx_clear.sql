-- Replace a period's FX differences.
delete from fx_differences where period = $period
