-- Orders whose shipping deadline (paid_at + SLA) falls in the period, with their parcels so far.
-- An order is judged once, in that period, on the parcels that left before the period's end.
-- An order cancelled before its first parcel is not expected to ship and is not due (is_due
-- false); every reader of this table filters on is_due for the order-level rules.
--
-- The same pass over the parcels also marks what the parcel-level rules need (is_due false):
-- order references of parcels of the period that name no known order (unknown), and orders
-- with a parcel of the period that left after they were cancelled (after_cancel). The findings
-- look the few parcels concerned up by these order ids instead of joining every parcel again.
create or replace temp table shipping_due as
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($sla_hours as integer) as sla_hours
),

parcels as (
    select
        s.order_id,
        count(*) as n_parcels,
        min(s.ship_time) as first_ship,
        max(s.ship_time) as last_ship,
        count(*) filter (where s.ship_time >= p.p_start) as n_in_period,
        max(s.ship_time) filter (where s.ship_time >= p.p_start) as last_in_period
    from shipments as s, params as p
    where s.ship_time < p.p_end
    group by s.order_id
),

judged as (
    select
        coalesce(o.order_id, pc.order_id) as order_id,
        o.paid_amount,
        o.paid_at,
        o.paid_at + p.sla_hours * interval '1' hour as deadline,
        pc.n_parcels,
        pc.last_ship,
        o.paid_at is not null
            and o.paid_at + p.sla_hours * interval '1' hour >= p.p_start
            and o.paid_at + p.sla_hours * interval '1' hour < p.p_end
            and not (o.cancelled_at is not null
                     and (pc.first_ship is null or o.cancelled_at < pc.first_ship)) as is_due,
        o.order_id is null and pc.n_in_period > 0 as unknown,
        pc.last_in_period > o.cancelled_at as after_cancel
    from orders as o
    cross join params as p
    full join parcels as pc on pc.order_id = o.order_id
),

final as (
    select * from judged
    where is_due or unknown or after_cancel
)

select * from final
