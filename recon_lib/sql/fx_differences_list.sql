-- The period's FX differences, for display.
select * from fx_differences where period = $period order by payout_id
