-- One row per return judged in the period, with the first open issue from the period's findings.
insert into return_status
with

issues as (
    select split_part(key, '|', 1) as return_id, min(reason_code) as issue
    from discrepancies
    where period = $period and recon = 'returns'
    group by 1
),

final as (
    select
        $period as period,
        l.return_id,
        l.order_id,
        l.requested_at,
        l.picked_up_at,
        l.first_received_at,
        l.last_refunded_at,
        l.requested_qty,
        l.received_qty,
        l.sellable_qty,
        l.requested_refund,
        l.amount_due,
        l.refunded,
        date_diff('minute', l.requested_at, l.picked_up_at) / 1440.0 as days_to_pickup,
        date_diff('minute', l.requested_at, l.first_received_at) / 1440.0 as days_to_receipt,
        date_diff('minute', l.first_received_at, l.last_refunded_at) / 1440.0
            as refund_minus_receipt_days,
        i.issue
    from returns_legs as l
    left join issues as i on i.return_id = l.return_id
)

select * from final
