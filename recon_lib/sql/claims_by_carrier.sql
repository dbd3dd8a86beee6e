-- Lost and damaged parcels per courier and incident for the claims page, from claims_incidents
-- (built for the period first; see results.claims_by_carrier):
--   incidents      parcels lost or damaged in the period
--   due_in_period  incidents whose claim deadline ends in the period (judged in it)
--   owed           what the rules owe for those (NULL when any of them is unknown)     (yuan)
--   received       what the courier paid for them by the period's end                  (yuan)
--   outstanding    owed - received where it is above $amount_tolerance: the findings'
--                  money, where owed is known                                          (yuan)
--   past_deadline  of those, how many had nothing paid
--   not_yet_due    incidents of the period or earlier whose deadline ends after the period,
--                  and what the rules owe for them (not_yet_due_owed, yuan)
--   no_rule        incidents of the period no compensation rule covers
with

params as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end,
           cast($amount_tolerance as decimal(18,2)) as tolerance
),

final as (
    select
        i.carrier,
        i.incident,
        count(*) filter (where i.incident_time >= pr.p_start) as incidents,
        count(*) filter (where i.judged) as due_in_period,
        case when count(*) filter (where i.judged and i.owed is null) = 0
             then coalesce(sum(i.owed) filter (where i.judged), 0) end as owed,
        coalesce(sum(i.received) filter (where i.judged), 0) as received,
        coalesce(sum(i.owed - i.received)
                 filter (where i.judged and i.owed - i.received > pr.tolerance), 0)
            as outstanding,
        count(*) filter (where i.judged and coalesce(i.received, 0) <= 0) as past_deadline,
        count(*) filter (where i.due > pr.p_end) as not_yet_due,
        coalesce(sum(i.owed) filter (where i.due > pr.p_end), 0) as not_yet_due_owed,
        count(*) filter (where not i.has_rule and i.incident_time >= pr.p_start) as no_rule
    from claims_incidents as i, params as pr
    group by i.carrier, i.incident
)

select * from final
where incidents + due_in_period + not_yet_due > 0
order by carrier, incident
