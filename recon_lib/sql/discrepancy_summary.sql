-- Findings of a period by reconciliation and reason code: how many, and the money at stake.
with

found as (
    select recon, reason_code, amount
    from discrepancies
    where period = $period
),

final as (
    select
        recon,
        reason_code,
        count(*) as findings,
        coalesce(sum(amount), 0) as amount   -- yuan
    from found
    group by recon, reason_code
)

select * from final
order by recon, reason_code
