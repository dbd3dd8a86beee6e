-- Enter the period's findings in the register: new items open; known items get the amount and
-- explanation of the latest-ending period that found them; an item closed automatically by a period that ended no later than
-- this one and found again reopens (a later period's close stands when an earlier period, or a
-- day inside it, is run again). Periods compare by their days, so months, weeks and days mix:
-- first_seen is the period that ends first (on a tie, the shorter: the day before its week),
-- last_seen the one that ends last (on a tie, the one run now).
insert into register by name
with

found as (
    select recon || '|' || reason_code || '|' || key as item_id, recon, reason_code, key,
           order_id, amount, explanation
    from discrepancies
    where period = $period
),

final as (
    select item_id, recon, reason_code, key, order_id,
           $period as first_seen, $period as last_seen, 'open' as status,
           cast(null as varchar) as owner, cast(null as varchar) as note, amount, explanation,
           cast(null as varchar) as closed_period, cast(null as varchar) as closed_reason,
           cast($now as timestamp) as updated_at,
           cast($period_start as date) as first_seen_start,
           cast($period_end as date) as first_seen_end,
           cast($period_start as date) as last_seen_start,
           cast($period_end as date) as last_seen_end,
           cast(null as date) as closed_on
    from found
)

select * from final
on conflict (item_id) do update set
    first_seen = case when excluded.first_seen_end < register.first_seen_end
                           or (excluded.first_seen_end = register.first_seen_end
                               and excluded.first_seen_start > register.first_seen_start)
                      then excluded.first_seen else register.first_seen end,
    first_seen_start = case when excluded.first_seen_end < register.first_seen_end
                           or (excluded.first_seen_end = register.first_seen_end
                               and excluded.first_seen_start > register.first_seen_start)
                            then excluded.first_seen_start else register.first_seen_start end,
    first_seen_end = case when excluded.first_seen_end < register.first_seen_end
                           or (excluded.first_seen_end = register.first_seen_end
                               and excluded.first_seen_start > register.first_seen_start)
                          then excluded.first_seen_end else register.first_seen_end end,
    last_seen = case when excluded.last_seen_end >= register.last_seen_end
                     then excluded.last_seen else register.last_seen end,
    last_seen_start = case when excluded.last_seen_end >= register.last_seen_end
                           then excluded.last_seen_start else register.last_seen_start end,
    last_seen_end = greatest(register.last_seen_end, excluded.last_seen_end),
    amount = case when excluded.last_seen_end >= register.last_seen_end
                  then excluded.amount else register.amount end,
    explanation = case when excluded.last_seen_end >= register.last_seen_end
                       then excluded.explanation else register.explanation end,
    status = case when register.closed_reason like 'auto:%'
                   and register.closed_on <= excluded.last_seen_end then 'open'
                  else register.status end,
    closed_period = case when register.closed_reason like 'auto:%'
                          and register.closed_on <= excluded.last_seen_end then null
                         else register.closed_period end,
    closed_on = case when register.closed_reason like 'auto:%'
                      and register.closed_on <= excluded.last_seen_end then null
                     else register.closed_on end,
    closed_reason = case when register.closed_reason like 'auto:%'
                          and register.closed_on <= excluded.last_seen_end then null
                         else register.closed_reason end,
    updated_at = excluded.updated_at
