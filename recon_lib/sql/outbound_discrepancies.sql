-- Outbound findings from the engine's results for this run, with one extra rule: within a parcel,
-- a shipped SKU with no movement and a movement of a SKU that was not shipped are one finding
-- (the wrong SKU was deducted), not two. Amounts are stock at unit cost, in yuan.
--
-- A result's parcel line is looked up in outbound_lines by its columns, not by the id the view
-- outbound_shipped computes, so that only those few rows are read: the id
-- '<parcel>|<sku>' is cut back into its columns by the macro id_cuts.
with

results as (
    select * from match_results
    where run_id = $run_id and spec = 'outbound' and state not in ('matched', 'matched_tolerance')
),

shipped_ids as (
    select r.*, r.left_ids[1] as id, unnest(id_cuts(r.left_ids[1])) as cut
    from results as r
    where r.state in ('missing_right', 'mismatched')
),

shipped as (    -- the parcel line of each unposted or mismatched result
    select i.state, i.reason_code, i.explanation, i.details, i.right_values, i.id as line_id,
           l.shipment_id, l.sku, l.qty
    from shipped_ids as i
    join outbound_lines as l
      on l.shipment_id = i.cut.head and l.sku = i.cut.tail
),

unposted as (   -- shipped, no movement
    select l.explanation, l.details, l.shipment_id, l.sku, l.qty, p.unit_cost,
           row_number() over (partition by l.shipment_id order by l.sku) as rn
    from shipped as l
    left join products as p on p.sku = l.sku
    where l.state = 'missing_right'
),

moved as (      -- moved, no parcel line: one row per movement the engine grouped
    select r.details, unnest(r.right_ids) as movement_id
    from results as r
    where r.state = 'missing_left'
),

unshipped as (
    select m.movement_id, m.details, o.shipment_id, o.sku, o.qty, o.qty * p.unit_cost as amount,
           row_number() over (partition by o.shipment_id order by o.sku, o.movement_id) as rn
    from moved as m
    join outbound_posted as o on o.movement_id = m.movement_id
    left join products as p on p.sku = o.sku
),

sku_mismatch as (
    select
        'OUT_SKU_MISMATCH' as reason_code,
        u.shipment_id || '|' || u.sku as key,
        cast(null as varchar) as order_id,
        u.qty * u.unit_cost as amount,
        'parcel ' || u.shipment_id || ' shipped ' || u.qty || ' x ' || u.sku
            || ' but movement ' || m.movement_id || ' deducted ' || m.qty || ' x ' || m.sku
            as explanation,
        to_json({'shipment_id': u.shipment_id, 'shipped_sku': u.sku, 'shipped_qty': u.qty,
                 'movement_id': m.movement_id, 'deducted_sku': m.sku, 'deducted_qty': m.qty})
            as details
    from unposted as u
    join unshipped as m on m.shipment_id = u.shipment_id and m.rn = u.rn
),

no_movement as (
    select
        'OUT_NO_MOVEMENT' as reason_code,
        u.shipment_id || '|' || u.sku as key,
        cast(null as varchar) as order_id,
        u.qty * u.unit_cost as amount,
        'parcel ' || u.shipment_id || ' shipped ' || u.qty || ' x ' || u.sku
            || ' but stock was never deducted' as explanation,
        u.details
    from unposted as u
    where not exists (select 1 from unshipped as m
                      where m.shipment_id = u.shipment_id and m.rn = u.rn)
),

no_shipment as (
    select
        'OUT_NO_SHIPMENT' as reason_code,
        m.movement_id as key,
        cast(null as varchar) as order_id,
        m.amount,
        'movement ' || m.movement_id || ' deducted ' || m.qty || ' x ' || m.sku || ' for '
            || coalesce('parcel ' || m.shipment_id, 'no parcel') || ', which shipped no such SKU'
            as explanation,
        m.details
    from unshipped as m
    where m.shipment_id is null
       or not exists (select 1 from unposted as u
                      where u.shipment_id = m.shipment_id and u.rn = m.rn)
),

mismatched as (
    select
        l.reason_code,
        l.line_id as key,
        cast(null as varchar) as order_id,
        case when l.reason_code = 'OUT_QTY_MISMATCH'
            then abs(cast(json_extract_string(l.right_values, '$.qty') as integer) - l.qty)
                 * p.unit_cost
        end as amount,
        l.explanation,
        l.details
    from shipped as l
    left join products as p on p.sku = l.sku
    where l.state = 'mismatched'
),

final as (
    select * from sku_mismatch
    union all select * from no_movement
    union all select * from no_shipment
    union all select * from mismatched
)

select * from final
order by reason_code, key
