-- The money a finance lead acts on, for a period (the headline of its summary page):
--   courier_claims        what to claim from couriers: the period's freight findings except
--                         FRT_UNBILLED (an accrual, not a claim), and the lost and damaged
--                         parcels' compensation still owed (CLM_*, docs/claims.md)        (yuan)
--   refunds_not_received  refunds paid for goods not back (RET_REFUND_NOT_RECEIVED)       (yuan)
--   fee_overcharges       platform fees above the schedule (PAY_FEE_MISMATCH)             (yuan)
--   not_settled_overdue   sales the platforms had not settled past their settlement cycle at
--                         the period's end: PAY_NOT_SETTLED items of the register first seen by
--                         then and open then (open or in progress now, or closed in a later
--                         period), whichever period found them: the order's paid amount  (yuan)
--   not_settled_orders    how many orders those are
-- Receivables overdue = not_settled_overdue + payouts overdue at the bank (money the platform
-- paid out that the bank has not credited past the deposit window): the second is read from
-- alerts_payouts_late.sql, the payout_late alert's own definition, and added by the headline.
with

params as (
    select cast($period as varchar) as period, cast($period_end as timestamp) as p_end
),

found as (
    select reason_code, amount from discrepancies where period = (select period from params)
),

not_settled as (
    select r.key, r.amount
    from register as r, params as pr
    where r.reason_code = 'PAY_NOT_SETTLED'
      and r.first_seen_start < cast(pr.p_end as date)
      and (r.status in ('open', 'in_progress') or r.closed_on > cast(pr.p_end as date))
),

final as (
    select
        coalesce(sum(amount) filter (where (reason_code like 'FRT_%'
                                        and reason_code <> 'FRT_UNBILLED')
                                       or reason_code like 'CLM_%'), 0) as courier_claims,
        coalesce(sum(amount) filter (where reason_code = 'RET_REFUND_NOT_RECEIVED'), 0)
            as refunds_not_received,
        coalesce(sum(amount) filter (where reason_code = 'PAY_FEE_MISMATCH'), 0)
            as fee_overcharges,
        (select coalesce(sum(amount), 0) from not_settled) as not_settled_overdue,
        (select count(*) from not_settled) as not_settled_orders
    from found
)

select * from final
