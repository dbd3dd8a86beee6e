-- The order itself. Personal columns are masked by the caller before anything is shown.
select order_id, channel, shop, status, created_at, paid_at, cancelled_at, customer_name,
       customer_phone, ship_province, ship_address, goods_amount, discount, paid_amount,
       refunded_amount, period
from orders where order_id = $order_id
