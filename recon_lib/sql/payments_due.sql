-- Orders whose settlement deadline (first dispatch + the channel's settlement cycle) falls in the
-- period, with what was settled for them by the period's end. Each is judged once, there.
-- An order with a cash-on-delivery parcel (shipments.cod_amount) is paid through the courier,
-- not a platform settlement: the COD reconciliation follows its money (docs/cod.md).
create or replace temp table pay_due as
with

dispatched as (
    select s.order_id, min(s.ship_time) as first_ship
    from shipments as s
    group by s.order_id
    having count(s.cod_amount) = 0
),

cycles as (
    select channel, max(settlement_days) as settlement_days
    from fee_schedules
    group by channel
),

sold as (
    select order_id, count(*) as sale_lines
    from settlement_lines
    where line_type = 'sale' and settled_at < cast($period_end as timestamp)
    group by order_id
),

final as (
    select
        o.order_id, o.channel, o.paid_amount, d.first_ship, c.settlement_days,
        d.first_ship + c.settlement_days * interval '1' day as deadline,
        coalesce(s.sale_lines, 0) as sale_lines
    from orders as o
    join dispatched as d on d.order_id = o.order_id
    join cycles as c on c.channel = o.channel
    left join sold as s on s.order_id = o.order_id
    where o.status <> 'cancelled'
      and d.first_ship + c.settlement_days * interval '1' day >= cast($period_start as timestamp)
      and d.first_ship + c.settlement_days * interval '1' day < cast($period_end as timestamp)
)

select * from final
