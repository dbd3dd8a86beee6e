-- The orders the intake checks judge: those that came in during the period (in_period: paid in
-- it, or placed in it when never paid, as the order exports list them), each once (an order
-- exported again in a later period's file is judged as that latest copy says); and the orders
-- placed in the minutes before the first of them, the earlier copies a likely duplicate may have.
create or replace temp table intake_orders as
with

latest as (
    select o.*, coalesce(o.paid_at, o.created_at) as came_in_at
    from orders as o
    qualify row_number() over (partition by o.order_id order by o.period desc) = 1
),

judged as (
    select *
    from latest
    where came_in_at >= cast($period_start as timestamp)
      and came_in_at < cast($period_end as timestamp)
),

earliest as (
    select min(created_at) - cast($duplicate_minutes as integer) * interval '1' minute as from_at
    from judged
),

final as (
    select l.* exclude (came_in_at),
           l.order_id in (select order_id from judged) as in_period
    from latest as l, earliest as e
    where l.order_id in (select order_id from judged)
       or (l.created_at >= e.from_at and l.created_at < cast($period_end as timestamp))
)

select * from final
