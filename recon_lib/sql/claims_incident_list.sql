-- Every lost or damaged parcel the claims page shows for the period, from claims_incidents:
-- those judged in it and those still within their deadline, with where each stands:
--   compensated   paid the rule, or within the tolerance of it, by the period's end
--   short         paid, below the rule (CLM_SHORT, CLM_INSURED_SHORT)
--   not_paid      nothing paid by the deadline (CLM_NOT_COMPENSATED)
--   not_yet_due   its deadline ends after the period: judged later
--   no_rule       no compensation rule covers it: not judged
--   unknown       paid something, but what the rule owes is not known
with

params as (
    select cast($period_end as timestamp) as p_end,
           cast($amount_tolerance as decimal(18,2)) as tolerance
),

final as (
    select
        i.carrier, i.tracking_no, i.order_id, i.incident, i.incident_time, i.insured,
        i.declared_value, i.basis, i.owed, i.received,
        cast(i.due - interval 1 day as date) as claim_due,
        case when not i.has_rule then 'no_rule'
             when i.due > pr.p_end then 'not_yet_due'
             when coalesce(i.received, 0) <= 0 then 'not_paid'
             when i.owed is null then 'unknown'
             when i.owed - i.received > pr.tolerance then 'short'
             else 'compensated' end as claim_status
    from claims_incidents as i, params as pr
    where i.judged or i.due > pr.p_end or not i.has_rule
)

select * from final
order by claim_status, carrier, incident_time
