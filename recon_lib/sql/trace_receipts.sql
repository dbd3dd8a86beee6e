select c.receipt_id, c.return_id, c.tracking_no, c.sku, c.qty, c.condition, c.received_at
from return_receipts as c
where c.return_id in (select return_id from return_requests where order_id = $order_id)
   or c.tracking_no in (select return_tracking_no from return_requests where order_id = $order_id)
order by c.received_at
