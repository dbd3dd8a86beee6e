-- Each return judged in the period with its four legs as known at the period's end: the request,
-- the courier's pickup, the warehouse receipts, the refunds. Feeds the findings and the status.
-- amount_due is NULL (unknown, not 0) when a sellable unit received has no selling price (no
-- order line price and no requested refund): the refund cannot be checked against it
-- (price_missing; see returns_uncheckable.sql).
create or replace temp table returns_legs as
with

requests as (
    select return_id, any_value(order_id) as order_id, min(requested_at) as requested_at,
           any_value(return_tracking_no) as waybill, sum(qty) as requested_qty,
           sum(requested_refund) as requested_refund
    from returns_due
    group by return_id
),

pickups as (
    select tracking_no, min(event_time) as picked_up_at
    from tracking_events
    where event_type = 'pickup' and event_time < cast($period_end as timestamp)
    group by tracking_no
),

receipts as (
    select
        r.return_id,
        min(r.received_at) as first_received_at,
        sum(r.qty) as received_qty,
        sum(case when r.condition = 'sellable' then r.qty else 0 end) as sellable_qty,
        sum(case when r.condition = 'sellable' then r.qty * d.unit_price else 0 end) as amount_due,
        bool_or(r.condition = 'sellable' and d.unit_price is null) as price_missing,
        bool_or(r.condition <> 'sellable') as bad_condition
    from returns_received as r
    join returns_due as d on d.return_id = r.return_id and d.sku = r.sku
    group by r.return_id
),

refunds as (
    select return_id, sum(amount) as refunded, max(refunded_at) as last_refunded_at,
           count(*) as instalments
    from refunds as f
    where refunded_at < cast($period_end as timestamp) and return_id is not null
    group by return_id
),

final as (
    select
        q.*,
        p.picked_up_at,
        rc.first_received_at,
        coalesce(rc.received_qty, 0) as received_qty,
        coalesce(rc.sellable_qty, 0) as sellable_qty,
        case when not coalesce(rc.price_missing, false)
             then least(coalesce(rc.amount_due, 0), q.requested_refund) end as amount_due, -- yuan
        coalesce(rc.price_missing, false) as price_missing,
        coalesce(rc.bad_condition, false) as bad_condition,
        coalesce(f.refunded, 0) as refunded,                                   -- yuan
        f.last_refunded_at,
        coalesce(f.instalments, 0) as instalments
    from requests as q
    left join pickups as p on p.tracking_no = q.waybill
    left join receipts as rc on rc.return_id = q.return_id
    left join refunds as f on f.return_id = q.return_id
)

select * from final
