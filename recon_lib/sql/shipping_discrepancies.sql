-- Shipping findings: paid orders vs shipments, as known at the period's end.
--
-- Line-level findings (partial, over, wrong SKU) come from the match engine's results of this run
-- (spec 'shipping': ordered qty per order and SKU vs the parcels' packed qty); order-level ones
-- (unshipped, late) from shipping_due; parcel-level ones (shipped after cancellation, unknown
-- order) are judged in the period the parcel left. Amounts are in yuan.
with

results as (
    select * from match_results
    where run_id = $run_id and spec = 'shipping' and state not in ('matched', 'matched_tolerance')
),

-- a SKU shipped that is not on the order is paired with an ordered SKU that did not ship at all:
-- one substitution is one finding, not a partial plus a wrong item
packed_not_ordered as (
    select unnest(r.right_ids) as packed_id
    from results as r
    where r.state = 'missing_left'
),

not_ordered as (
    select
        s.order_id,
        s.sku,
        sum(s.qty) as shipped_qty,
        sum(s.qty * pr.list_price) as list_value,   -- yuan
        list(s.shipment_id order by s.shipment_id) as parcels,
        row_number() over (partition by s.order_id order by s.sku) as rn
    from packed_not_ordered as p
    join shipping_shipped as s on s.packed_id = p.packed_id
    left join products as pr on pr.sku = s.sku
    group by s.order_id, s.sku
),

not_shipped as (
    select r.*, o.order_id, o.sku, o.qty as ordered_qty, o.ordered_value,
           row_number() over (partition by o.order_id order by o.sku) as rn
    from results as r
    join shipping_ordered as o on o.line_id = r.left_ids[1]
    where r.state = 'missing_right'
),

wrong_sku as (
    select
        'SHIP_WRONG_SKU' as reason_code,
        w.order_id || '|' || w.sku as key,
        w.order_id,
        w.list_value as amount,
        case when m.sku is null
            then 'shipped ' || w.shipped_qty || ' x ' || w.sku || ', which is not on the order'
            else 'shipped ' || w.shipped_qty || ' x ' || w.sku || ' instead of '
                 || m.ordered_qty || ' x ' || m.sku
        end as explanation,
        to_json({'shipped_sku': w.sku, 'shipped_qty': w.shipped_qty, 'ordered_sku': m.sku,
                 'ordered_qty': m.ordered_qty, 'parcels': w.parcels}) as details
    from not_ordered as w
    left join not_shipped as m on m.order_id = w.order_id and m.rn = w.rn
),

nothing_of_a_sku as (
    select
        'SHIP_PARTIAL' as reason_code,
        m.order_id || '|' || m.sku as key,
        m.order_id,
        m.ordered_value as amount,
        'ordered ' || m.ordered_qty || ' x ' || m.sku || ', shipped 0 by the period end ('
            || m.ordered_qty || ' short)' as explanation,
        to_json({'sku': m.sku, 'ordered_qty': m.ordered_qty, 'shipped_qty': 0,
                 'difference': -m.ordered_qty}) as details
    from not_shipped as m
    where not exists (select 1 from not_ordered as w where w.order_id = m.order_id and w.rn = m.rn)
),

quantity as (
    select
        r.reason_code,
        o.line_id as key,
        o.order_id,
        abs(cast(json_extract_string(r.right_values, '$.qty') as integer) - o.qty) * o.unit_price
            as amount,
        'ordered ' || o.qty || ' x ' || o.sku || ', shipped '
            || json_extract_string(r.right_values, '$.qty')
            || case when r.reason_code = 'SHIP_PARTIAL' then ' by the period end' else '' end
            || ' (' || abs(cast(json_extract_string(r.right_values, '$.qty') as integer) - o.qty)
            || case when r.reason_code = 'SHIP_PARTIAL' then ' short)' else ' too many)' end
            as explanation,
        to_json({'sku': o.sku, 'ordered_qty': o.qty,
                 'shipped_qty': cast(json_extract_string(r.right_values, '$.qty') as integer),
                 'difference': cast(json_extract_string(r.right_values, '$.qty') as integer) - o.qty,
                 'packed_lines': r.right_ids}) as details
    from results as r
    join shipping_ordered as o on o.line_id = r.left_ids[1]
    where r.state = 'mismatched'
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
    from shipping_due as d
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
    from shipping_due as d
    where d.last_ship > d.deadline
),

parcels_in_period as (
    select s.*
    from shipments as s
    where s.ship_time >= cast($period_start as timestamp)
      and s.ship_time < cast($period_end as timestamp)
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
    union all select * from nothing_of_a_sku
    union all select * from quantity
    union all select * from wrong_sku
    union all select * from late
    union all select * from after_cancel
    union all select * from unknown_order
)

select * from final
order by reason_code, key
