-- Enter the period's findings in the register: new items open; known items get the latest
-- amount and explanation; an item closed automatically in this period or before that is found
-- again reopens (a later period's close stands when an earlier period is run again).
insert into register
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
           cast($now as timestamp) as updated_at
    from found
)

select * from final
on conflict (item_id) do update set
    first_seen = least(register.first_seen, excluded.first_seen),
    last_seen = greatest(register.last_seen, excluded.last_seen),
    amount = excluded.amount,
    explanation = excluded.explanation,
    status = case when register.closed_reason like 'auto:%'
                   and register.closed_period <= excluded.last_seen then 'open'
                  else register.status end,
    closed_period = case when register.closed_reason like 'auto:%'
                          and register.closed_period <= excluded.last_seen then null
                         else register.closed_period end,
    closed_reason = case when register.closed_reason like 'auto:%'
                          and register.closed_period <= excluded.last_seen then null
                         else register.closed_reason end,
    updated_at = excluded.updated_at
