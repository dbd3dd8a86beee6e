-- The money a finance lead acts on, for a period: what to claim from couriers, refunds paid for
-- goods not back, overdue receivables and fees charged above the schedule.
with

found as (
    select reason_code, amount from discrepancies where period = $period
),

final as (
    select
        coalesce(sum(amount) filter (where reason_code like 'FRT_%'
                                       and reason_code <> 'FRT_UNBILLED'), 0) as courier_claims,
        coalesce(sum(amount) filter (where reason_code = 'RET_REFUND_NOT_RECEIVED'), 0)
            as refunds_not_received,
        coalesce(sum(amount) filter (where reason_code = 'PAY_NOT_SETTLED'), 0)
            as receivables_overdue,
        coalesce(sum(amount) filter (where reason_code = 'PAY_FEE_MISMATCH'), 0)
            as fee_overcharges
    from found
)

select * from final
