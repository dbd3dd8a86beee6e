-- Lost and damaged parcels past their claim deadline with nothing compensated, per courier: the
-- period's CLM_NOT_COMPENSATED findings (docs/claims.md), what the rules owe for them (yuan)
-- and how many have no amount (what the rule owes is not known: never counted as 0).
with

found as (
    select d.amount, coalesce(s.carrier, '(unknown)') as carrier
    from discrepancies as d
    left join (select tracking_no, any_value(carrier) as carrier from shipments
               group by tracking_no) as s on s.tracking_no = d.key
    where d.period = $period and d.recon = 'claims' and d.reason_code = 'CLM_NOT_COMPENSATED'
),

final as (
    select carrier,
           count(*) as findings,
           coalesce(sum(amount), 0) as owed,                                   -- yuan, known part
           count(*) - count(amount) as without_amount
    from found
    group by carrier
)

select * from final order by carrier
