-- Replace a period's lifecycle rows.
delete from order_lifecycle where period = $period
