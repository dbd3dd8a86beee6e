-- Return rate for the period by a dimension (channel, SKU or buyer's reason): returns requested
-- in the period against the orders paid in the period.
with

orders_paid as (
    select o.order_id, o.channel
    from orders as o
    where o.paid_at >= cast($period_start as timestamp) and o.paid_at < cast($period_end as timestamp)
),

lines as (
    select l.order_id, o.channel, l.sku, l.qty
    from order_lines as l join orders_paid as o on o.order_id = l.order_id
),

requests as (
    select r.*, o.channel
    from return_requests as r
    join orders as o on o.order_id = r.order_id
    where r.requested_at >= cast($period_start as timestamp)
      and r.requested_at < cast($period_end as timestamp)
),

by_channel as (
    select 'channel' as dimension, o.channel as value,
           count(distinct o.order_id) as base, count(distinct r.return_id) as returns,
           sum(r.requested_refund) as requested_refund
    from orders_paid as o left join requests as r on r.order_id = o.order_id
    group by o.channel
),

by_sku as (
    select 'sku' as dimension, l.sku as value, sum(l.qty) as base,
           coalesce(max(r.qty), 0) as returns, max(r.requested_refund) as requested_refund
    from lines as l
    left join (select sku, sum(qty) as qty, sum(requested_refund) as requested_refund
               from requests group by sku) as r on r.sku = l.sku
    group by l.sku
),

by_reason as (
    select 'reason' as dimension, coalesce(reason, '-') as value,
           (select count(*) from orders_paid) as base, count(distinct return_id) as returns,
           sum(requested_refund) as requested_refund
    from requests
    group by 2
),

final as (
    select dimension, value, cast(base as bigint) as base, cast(returns as bigint) as returns,
           returns / nullif(base, 0) as return_rate,     -- returns per order (per unit for SKUs)
           coalesce(requested_refund, 0) as requested_refund
    from (select * from by_channel union all select * from by_sku union all select * from by_reason)
    where dimension = $dimension
)

select * from final
order by return_rate desc nulls last, value
