-- The period's intake findings by reason and sales channel: how many, and the money at stake.
-- A finding's channel is its order's (an order stored in two periods' files counts once).
with

found as (
    select reason_code, order_id, amount
    from discrepancies
    where period = $period and recon = 'intake'
),

channel_of as (
    select order_id, any_value(channel) as channel
    from orders
    where order_id in (select order_id from found)
    group by order_id
),

final as (
    select f.reason_code, c.channel, count(*) as findings, sum(f.amount) as amount   -- yuan
    from found as f
    left join channel_of as c on c.order_id = f.order_id
    group by f.reason_code, c.channel
)

select * from final
order by amount desc nulls last, findings desc, reason_code, channel
