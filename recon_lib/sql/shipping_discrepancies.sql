-- Shipping findings: paid orders vs shipments, as known at the period's end.
--
-- Line-level findings (partial, over, wrong SKU) come from the match engine's results of this run
-- (spec 'shipping': ordered qty per order and SKU vs the parcels' packed qty); order-level ones
-- (unshipped, late) from shipping_due; parcel-level ones (shipped after cancellation, unknown
-- order) are judged in the period the parcel left. Amounts are in yuan.
--
-- A result's rows are looked up in the staged tables by their columns, not by the ids the views
-- shipping_ordered and shipping_shipped compute, so that only those few rows are read: an id
-- '<order or parcel>|<sku>' is cut back into its columns by the macro id_cuts.
with

results as (
    select * from match_results
    where run_id = $run_id and spec = 'shipping' and state not in ('matched', 'matched_tolerance')
),

-- the ordered SKU of each unshipped or mismatched result, by its id (order_id|sku)
ordered_ids as (
    select r.state, r.reason_code, r.right_values, r.right_ids, r.left_ids[1] as id,
           unnest(id_cuts(r.left_ids[1])) as cut
    from results as r
    where r.state in ('missing_right', 'mismatched')
),

ordered as (
    select i.state, i.reason_code, i.right_values, i.right_ids, i.id as line_id, o.*
    from ordered_ids as i
    join shipping_ordered_lines as o
      on o.order_id = i.cut.head and o.sku = i.cut.tail
),

-- a SKU shipped that is not on the order is paired with an ordered SKU that did not ship at all:
-- one substitution is one finding, not a partial plus a wrong item
packed_not_ordered as (
    select p.packed_id, unnest(id_cuts(p.packed_id)) as cut
    from (select unnest(r.right_ids) as packed_id from results as r
          where r.state = 'missing_left') as p
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
    join shipping_packed as s
      on s.shipment_id = p.cut.head and s.sku = p.cut.tail
    left join products as pr on pr.sku = s.sku
    group by s.order_id, s.sku
),

not_shipped as (
    select o.order_id, o.sku, o.qty as ordered_qty, o.ordered_value,
           row_number() over (partition by o.order_id order by o.sku) as rn
    from ordered as o
    where o.state = 'missing_right'
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
        o.reason_code,
        o.line_id as key,
        o.order_id,
        abs(cast(json_extract_string(o.right_values, '$.qty') as integer) - o.qty) * o.unit_price
            as amount,
        'ordered ' || o.qty || ' x ' || o.sku || ', shipped '
            || json_extract_string(o.right_values, '$.qty')
            || case when o.reason_code = 'SHIP_PARTIAL' then ' by the period end' else '' end
            || ' (' || abs(cast(json_extract_string(o.right_values, '$.qty') as integer) - o.qty)
            || case when o.reason_code = 'SHIP_PARTIAL' then ' short)' else ' too many)' end
            as explanation,
        to_json({'sku': o.sku, 'ordered_qty': o.qty,
                 'shipped_qty': cast(json_extract_string(o.right_values, '$.qty') as integer),
                 'difference': cast(json_extract_string(o.right_values, '$.qty') as integer) - o.qty,
                 'packed_lines': o.right_ids}) as details
    from ordered as o
    where o.state = 'mismatched'
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
    where d.is_due and d.n_parcels is null
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
    where d.is_due and d.last_ship > d.deadline
),

-- the parcel-level rules judge the parcels that left in the period; shipping_due has marked the
-- orders and order references concerned, so only their parcels are read here
flagged as (
    select d.order_id, d.unknown, d.after_cancel
    from shipping_due as d
    where d.unknown or d.after_cancel
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
    join shipments as s on s.order_id = o.order_id and s.ship_time > o.cancelled_at
    where o.order_id in (select f.order_id from flagged as f where f.after_cancel)
      and s.ship_time >= cast($period_start as timestamp)
      and s.ship_time < cast($period_end as timestamp)
    group by o.order_id, o.goods_amount, o.cancelled_at
),

unknown_parcels as (   -- parcels naming an order no order has (or none)
    select s.*
    from shipments as s
    join flagged as f on f.order_id is not distinct from s.order_id
    where f.unknown
      and s.ship_time >= cast($period_start as timestamp)
      and s.ship_time < cast($period_end as timestamp)
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
    from unknown_parcels as s
    left join shipment_lines as sl on sl.shipment_id = s.shipment_id
    left join products as pr on pr.sku = sl.sku
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
