-- Outbound findings from the engine's results for this run, with one extra rule: within a parcel,
-- a shipped SKU with no movement and a movement of a SKU that was not shipped are one finding
-- (the wrong SKU was deducted), not two.
with

results as (
    select * from match_results
    where run_id = $run_id and spec = 'outbound' and state not in ('matched', 'matched_tolerance')
),

unposted as (   -- shipped, no movement
    select r.*, l.shipment_id, l.sku, l.qty, l.unit_cost,
           row_number() over (partition by l.shipment_id order by l.sku) as rn
    from results as r
    join outbound_shipped as l on l.line_id = r.left_ids[1]
    where r.state = 'missing_right'
),

unshipped as (  -- moved, no parcel line
    select r.*, m.shipment_id, m.sku, m.movement_id,
           row_number() over (partition by m.shipment_id order by m.sku) as rn
    from results as r
    join outbound_posted as m on m.movement_id = r.right_ids[1]
    where r.state = 'missing_left'
),

sku_mismatch as (
    select
        'OUT_SKU_MISMATCH' as reason_code,
        u.shipment_id || '|' || u.sku as key,
        cast(null as varchar) as order_id,
        u.qty * u.unit_cost as amount,
        'parcel ' || u.shipment_id || ' shipped ' || u.qty || ' x ' || u.sku
            || ' but movement ' || m.movement_id || ' deducted ' || m.sku as explanation,
        to_json({'shipment_id': u.shipment_id, 'shipped_sku': u.sku, 'movement_id': m.movement_id,
                 'deducted_sku': m.sku}) as details
    from unposted as u
    join unshipped as m on m.shipment_id = u.shipment_id and m.rn = u.rn
),

no_movement as (
    select
        'OUT_NO_MOVEMENT' as reason_code,
        u.shipment_id || '|' || u.sku as key,
        cast(null as varchar) as order_id,
        u.amount,
        u.explanation || ': shipped but never deducted from stock' as explanation,
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
        'movement ' || m.movement_id || ' deducted stock for '
            || coalesce('parcel ' || m.shipment_id, 'no parcel') || ' with no shipped line behind it'
            as explanation,
        m.details
    from unshipped as m
    where m.shipment_id is null
       or not exists (select 1 from unposted as u
                      where u.shipment_id = m.shipment_id and u.rn = m.rn)
),

mismatched as (
    select
        r.reason_code,
        l.line_id as key,
        cast(null as varchar) as order_id,
        case when r.reason_code = 'OUT_QTY_MISMATCH'
            then abs(cast(json_extract_string(r.right_values, '$.qty') as integer)
                     - cast(json_extract_string(r.left_values, '$.qty') as integer)) * l.unit_cost
        end as amount,
        r.explanation,
        r.details
    from results as r
    join outbound_shipped as l on l.line_id = r.left_ids[1]
    where r.state = 'mismatched'
),

final as (
    select * from sku_mismatch
    union all select * from no_movement
    union all select * from no_shipment
    union all select * from mismatched
)

select * from final
order by reason_code, key
