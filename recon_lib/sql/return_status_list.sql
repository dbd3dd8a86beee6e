-- The return status rows of a period, for display.
select * from return_status where period = $period order by return_id
