-- Shipping reconciliation: paid orders vs shipments, as known at the period's end.
--
-- When a finding belongs to a period (so that each is reported once, never twice):
--   * order-side findings (unshipped, partial, over, wrong SKU, late) in the period in which the
--     order's shipping deadline (paid_at + SLA) falls, judged on the parcels shipped before the
--     period's end;
--   * parcel-side findings (shipped after cancellation, unknown order) in the period the parcel left.
-- An order cancelled before its first parcel is not expected to ship.
-- Amounts are in the order's currency (yuan).
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
        max(s.ship_time) as last_ship
    from shipments as s, params as p
    where s.ship_time < p.p_end
    group by s.order_id
),

orders_due as (
    select
        o.order_id,
        o.paid_amount,
        o.paid_at,
        o.paid_at + p.sla_hours * interval '1' hour as deadline,
        pc.n_parcels,
        pc.last_ship
    from orders as o
    cross join params as p
    left join parcels as pc on pc.order_id = o.order_id
    where o.paid_at is not null
      and o.paid_at + p.sla_hours * interval '1' hour >= p.p_start
      and o.paid_at + p.sla_hours * interval '1' hour < p.p_end
      -- cancelled before anything left: nothing is owed to the buyer
      and not (o.cancelled_at is not null and (pc.first_ship is null or o.cancelled_at < pc.first_ship))
),

ordered as (
    select l.order_id, l.sku, sum(l.qty) as qty, max(l.unit_price) as unit_price
    from order_lines as l
    join orders_due as d on d.order_id = l.order_id
    group by l.order_id, l.sku
),

shipped as (
    select s.order_id, sl.sku, sum(sl.qty) as qty
    from shipments as s
    join shipment_lines as sl on sl.shipment_id = s.shipment_id
    join orders_due as d on d.order_id = s.order_id
    cross join params as p
    where s.ship_time < p.p_end
    group by s.order_id, sl.sku
),

-- one row per order and SKU present on either side, for orders that have at least one parcel
lines_compared as (
    select
        coalesce(o.order_id, s.order_id) as order_id,
        coalesce(o.sku, s.sku) as sku,
        coalesce(o.qty, 0) as ordered_qty,
        coalesce(s.qty, 0) as shipped_qty,
        o.unit_price
    from ordered as o
    full outer join shipped as s on s.order_id = o.order_id and s.sku = o.sku
    where coalesce(o.order_id, s.order_id) in (select order_id from orders_due where n_parcels > 0)
),

-- a SKU shipped that is not on the order is paired with an ordered SKU that did not ship at all:
-- one substitution is one finding, not a partial plus a wrong item
not_ordered as (
    select order_id, sku, shipped_qty,
           row_number() over (partition by order_id order by sku) as rn
    from lines_compared where ordered_qty = 0
),

not_shipped as (
    select order_id, sku, ordered_qty, unit_price,
           row_number() over (partition by order_id order by sku) as rn
    from lines_compared where shipped_qty = 0
),

wrong_sku as (
    select
        'SHIP_WRONG_SKU' as reason_code,
        w.order_id || '|' || w.sku as key,
        w.order_id,
        w.shipped_qty * pr.list_price as amount,
        case when m.sku is null
            then 'shipped ' || w.shipped_qty || ' x ' || w.sku || ', which is not on the order'
            else 'shipped ' || w.shipped_qty || ' x ' || w.sku || ' instead of '
                 || m.ordered_qty || ' x ' || m.sku
        end as explanation,
        to_json({'shipped_sku': w.sku, 'shipped_qty': w.shipped_qty, 'ordered_sku': m.sku,
                 'ordered_qty': m.ordered_qty}) as details
    from not_ordered as w
    left join not_shipped as m on m.order_id = w.order_id and m.rn = w.rn
    left join products as pr on pr.sku = w.sku
),

partial as (
    select
        'SHIP_PARTIAL' as reason_code,
        c.order_id || '|' || c.sku as key,
        c.order_id,
        (c.ordered_qty - c.shipped_qty) * c.unit_price as amount,
        'ordered ' || c.ordered_qty || ' x ' || c.sku || ', shipped ' || c.shipped_qty
            || ' by the period end (' || (c.ordered_qty - c.shipped_qty) || ' short)' as explanation,
        to_json({'sku': c.sku, 'ordered_qty': c.ordered_qty, 'shipped_qty': c.shipped_qty,
                 'difference': c.shipped_qty - c.ordered_qty}) as details
    from lines_compared as c
    where c.ordered_qty > c.shipped_qty
      and not exists (
          select 1 from not_ordered as w join not_shipped as m
            on m.order_id = w.order_id and m.rn = w.rn
          where m.order_id = c.order_id and m.sku = c.sku)
),

over as (
    select
        'SHIP_OVER' as reason_code,
        c.order_id || '|' || c.sku as key,
        c.order_id,
        (c.shipped_qty - c.ordered_qty) * c.unit_price as amount,
        'ordered ' || c.ordered_qty || ' x ' || c.sku || ', shipped ' || c.shipped_qty
            || ' (' || (c.shipped_qty - c.ordered_qty) || ' too many)' as explanation,
        to_json({'sku': c.sku, 'ordered_qty': c.ordered_qty, 'shipped_qty': c.shipped_qty,
                 'difference': c.shipped_qty - c.ordered_qty}) as details
    from lines_compared as c
    where c.ordered_qty > 0 and c.shipped_qty > c.ordered_qty
),

unshipped as (
    select
        'SHIP_UNSHIPPED' as reason_code,
        d.order_id as key,
        d.order_id,
        d.paid_amount as amount,
        'paid ' || strftime(d.paid_at, '%Y-%m-%d %H:%M') || ', due to ship by '
            || strftime(d.deadline, '%Y-%m-%d %H:%M') || '; no parcel by the period end' as explanation,
        to_json({'paid_at': d.paid_at, 'deadline': d.deadline}) as details
    from orders_due as d
    where d.n_parcels is null
),

late as (
    select
        'SHIP_LATE' as reason_code,
        d.order_id as key,
        d.order_id,
        cast(null as decimal(18,2)) as amount,
        'last parcel left ' || strftime(d.last_ship, '%Y-%m-%d %H:%M') || ', '
            || round(date_diff('minute', d.deadline, d.last_ship) / 60.0, 1)
            || ' h after the deadline ' || strftime(d.deadline, '%Y-%m-%d %H:%M') as explanation,
        to_json({'deadline': d.deadline, 'last_ship': d.last_ship,
                 'hours_late': round(date_diff('minute', d.deadline, d.last_ship) / 60.0, 1)}) as details
    from orders_due as d
    where d.last_ship > d.deadline
),

parcels_in_period as (
    select s.*
    from shipments as s, params as p
    where s.ship_time >= p.p_start and s.ship_time < p.p_end
),

after_cancel as (
    select
        'SHIP_AFTER_CANCEL' as reason_code,
        o.order_id as key,
        o.order_id,
        o.goods_amount as amount,
        'cancelled ' || strftime(o.cancelled_at, '%Y-%m-%d %H:%M') || ', parcel '
            || min(s.shipment_id) || ' left ' || strftime(min(s.ship_time), '%Y-%m-%d %H:%M')
            as explanation,
        to_json({'cancelled_at': o.cancelled_at, 'first_ship': min(s.ship_time),
                 'shipments': list(s.shipment_id order by s.shipment_id)}) as details
    from orders as o
    join parcels_in_period as s on s.order_id = o.order_id and s.ship_time > o.cancelled_at
    group by o.order_id, o.goods_amount, o.cancelled_at
),

unknown_order as (
    select
        'SHIP_UNKNOWN_ORDER' as reason_code,
        s.shipment_id as key,
        cast(null as varchar) as order_id,
        sum(sl.qty * pr.list_price) as amount,
        'parcel ' || s.shipment_id || ' (' || s.carrier || ' ' || s.tracking_no || ') names order '
            || s.order_id || ', which is not in the order export' as explanation,
        to_json({'shipment_id': s.shipment_id, 'order_ref': s.order_id,
                 'tracking_no': s.tracking_no}) as details
    from parcels_in_period as s
    left join shipment_lines as sl on sl.shipment_id = s.shipment_id
    left join products as pr on pr.sku = sl.sku
    where not exists (select 1 from orders as o where o.order_id = s.order_id)
    group by s.shipment_id, s.carrier, s.tracking_no, s.order_id
),

final as (
    select * from unshipped
    union all select * from partial
    union all select * from over
    union all select * from wrong_sku
    union all select * from late
    union all select * from after_cancel
    union all select * from unknown_order
)

select * from final
order by reason_code, key
