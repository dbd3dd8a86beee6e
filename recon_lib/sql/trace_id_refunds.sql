-- A refund with this id.
select refund_id, order_id, return_id, amount, currency, refunded_at, channel
from refunds where refund_id = $id order by refunded_at
