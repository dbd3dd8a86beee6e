-- Returns findings. Quantities and unexpected parcels come from the match engine's results of this
-- run (spec 'returns': requested vs received per return and SKU, parcels summed); the refund and
-- pickup rules from returns_legs. A return with goods in bad condition is reported as such and
-- not again as unrefunded or misrefunded: withholding its refund is the expected reaction.
with

results as (
    select * from match_results
    where run_id = $run_id and spec = 'returns' and reason_code is not null
),

quantity as (
    select
        'RET_QTY_MISMATCH' as reason_code,
        d.line_id as key,
        d.order_id,
        abs(cast(json_extract_string(r.right_values, '$.qty') as integer) - d.qty) * d.unit_price
            as amount,
        'asked to return ' || d.qty || ' x ' || d.sku || ', the warehouse received '
            || json_extract_string(r.right_values, '$.qty') as explanation,
        r.details
    from results as r
    join returns_due as d on d.line_id = r.left_ids[1]
    where r.state = 'mismatched'
),

unexpected_lines as (
    select unnest(r.right_ids) as receipt_line_id, r.details
    from results as r
    where r.state = 'missing_left'
),

unexpected as (
    select
        'RET_UNEXPECTED_PARCEL' as reason_code,
        v.receipt_id as key,
        cast(null as varchar) as order_id,
        cast(null as decimal(18,2)) as amount,
        'receipt ' || v.receipt_id || ' (' || coalesce(v.tracking_no, 'no waybill') || ', '
            || v.qty || ' x ' || v.sku || ') names no return request' as explanation,
        any_value(u.details) as details
    from unexpected_lines as u
    join returns_received as v on v.receipt_line_id = u.receipt_line_id
    group by v.receipt_id, v.tracking_no, v.qty, v.sku
),

bad_condition as (
    select
        'RET_BAD_CONDITION' as reason_code,
        d.line_id as key,
        d.order_id,
        sum(v.qty * d.unit_price) as amount,
        'received ' || string_agg(v.qty || ' x ' || v.sku || ' ' || v.condition, ', ')
            || ' (receipt ' || min(v.receipt_id) || ')' as explanation,
        to_json({'conditions': list(v.condition), 'receipts': list(v.receipt_id)}) as details
    from returns_received as v
    join returns_due as d on d.return_id = v.return_id and d.sku = v.sku
    where v.condition <> 'sellable'
    group by d.line_id, d.order_id
),

refund_not_received as (
    select
        'RET_REFUND_NOT_RECEIVED' as reason_code,
        l.return_id as key,
        l.order_id,
        l.refunded as amount,
        'refunded ' || l.refunded || ' on ' || strftime(l.last_refunded_at, '%Y-%m-%d')
            || ', nothing received by the period end ('
            || date_diff('day', l.last_refunded_at, cast($period_end as timestamp))
            || ' days since the refund)' as explanation,
        to_json({'refunded': l.refunded, 'days_since_refund':
                 date_diff('day', l.last_refunded_at, cast($period_end as timestamp)),
                 'picked_up_at': l.picked_up_at}) as details
    from returns_legs as l
    where l.refunded > 0 and l.received_qty = 0
),

received_not_refunded as (
    select
        'RET_RECEIVED_NOT_REFUNDED' as reason_code,
        l.return_id as key,
        l.order_id,
        l.amount_due as amount,
        'received ' || l.sellable_qty || ' sellable unit(s) on '
            || strftime(l.first_received_at, '%Y-%m-%d') || ', no refund paid (due '
            || coalesce(cast(l.amount_due as varchar), 'unknown: a SKU received has no price')
            || ')' as explanation,
        to_json({'amount_due': l.amount_due, 'received_at': l.first_received_at}) as details
    from returns_legs as l
    where l.sellable_qty > 0 and l.refunded = 0 and not l.bad_condition
),

refund_mismatch as (
    select
        'RET_REFUND_MISMATCH' as reason_code,
        l.return_id as key,
        l.order_id,
        abs(l.refunded - l.amount_due) as amount,
        'refunded ' || l.refunded || ' in ' || l.instalments || ' payment(s); the '
            || l.sellable_qty || ' sellable unit(s) received are worth ' || l.amount_due
            as explanation,
        to_json({'refunded': l.refunded, 'amount_due': l.amount_due,
                 'difference': l.refunded - l.amount_due}) as details
    from returns_legs as l
    -- a return whose goods have no price is not judged (returns_uncheckable.sql)
    where l.refunded > 0 and l.sellable_qty > 0 and not l.bad_condition
      and abs(l.refunded - l.amount_due) > cast($amount_tolerance as decimal(18,2))
),

no_pickup as (
    select
        'RET_NO_PICKUP' as reason_code,
        l.return_id as key,
        l.order_id,
        cast(null as decimal(18,2)) as amount,
        'requested ' || strftime(l.requested_at, '%Y-%m-%d') || ', waybill '
            || coalesce(l.waybill, 'none') || ' never picked up, nothing received'
            as explanation,
        to_json({'requested_at': l.requested_at, 'waybill': l.waybill}) as details
    from returns_legs as l
    where l.picked_up_at is null and l.received_qty = 0 and l.refunded = 0
),

final as (
    select * from quantity
    union all select * from unexpected
    union all select * from bad_condition
    union all select * from refund_not_received
    union all select * from received_not_refunded
    union all select * from refund_mismatch
    union all select * from no_pickup
)

select * from final
order by reason_code, key
