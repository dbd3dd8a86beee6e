-- Replace a period's return status rows.
delete from return_status where period = $period
