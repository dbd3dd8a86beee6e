-- Register items with their age at a period's end, filtered by status and minimum age, and when
-- each last changed (updated_at).
with

items as (
    select r.*,
           date_diff('day', r.first_seen_start, cast($as_of as date)) as age_days
    from register as r
),

final as (
    select item_id, recon, reason_code, key, order_id, status, owner, note, amount,
           first_seen, last_seen, age_days, explanation, closed_period, closed_reason,
           updated_at
    from items
    where (cast($status as varchar) is null or status = cast($status as varchar))
      and (cast($older_than as integer) is null or age_days > cast($older_than as integer))
)

select * from final
order by recon, reason_code, key
