-- The order lifecycle rows of a period, for display.
select * from order_lifecycle where period = $period order by paid_at, order_id
