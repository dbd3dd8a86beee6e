-- Receivables at the period's end: dispatched, not cancelled orders with no sale credited yet,
-- aged by days since their first dispatch, by channel.
-- Orders with a cash-on-delivery parcel are the couriers' to remit (cod_outstanding.sql), not a
-- platform's receivable.
with

dispatched as (
    select order_id, min(ship_time) as first_ship
    from shipments
    where ship_time < cast($period_end as timestamp)
    group by order_id
    having count(cod_amount) = 0
),

sold as (
    select distinct order_id
    from settlement_lines
    where line_type = 'sale' and settled_at < cast($period_end as timestamp)
),

open_orders as (
    select o.channel, o.paid_amount,
           date_diff('day', d.first_ship, cast($period_end as timestamp)) as age_days
    from orders as o
    join dispatched as d on d.order_id = o.order_id
    where o.status <> 'cancelled'
      and o.order_id not in (select order_id from sold)
),

final as (
    select
        channel,
        case when age_days <= 30 then '0-30'
             when age_days <= 60 then '31-60'
             when age_days <= 90 then '61-90'
             else 'over 90' end as age_bucket,   -- days since dispatch
        count(*) as orders,
        sum(paid_amount) as amount,              -- yuan
        min(age_days) as youngest
    from open_orders
    group by 1, 2
)

select channel, age_bucket, orders, amount from final
order by channel, youngest
