select r.return_id, r.sku, r.qty, r.reason, r.requested_refund, r.requested_at,
       r.return_tracking_no
from return_requests as r where r.order_id = $order_id order by r.requested_at
