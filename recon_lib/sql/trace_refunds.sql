select refund_id, return_id, amount, currency, refunded_at, channel
from refunds where order_id = $order_id order by refunded_at
