-- For a period, per reconciliation: items first found in it (new: first seen in a period that
-- starts inside it, such as one of its days), items found before it still open at its end
-- (carried), items resolved in it (by later data or by hand), and the amount of those still
-- open now. Periods compare by days, so a week counts its days' items once.
with

params as (
    select cast($period_start as date) as p_start, cast($period_end as date) as p_end
),

final as (
    select recon,
           count(*) filter (where i.first_seen_start >= p.p_start) as new_items,
           count(*) filter (where i.first_seen_start < p.p_start
                              and (i.closed_on is null or i.closed_on > p.p_end)) as carried,
           count(*) filter (where i.closed_on > p.p_start and i.closed_on <= p.p_end)
               as resolved,
           coalesce(sum(i.amount) filter (where i.status in ('open', 'in_progress')), 0)
               as open_amount
    from register as i, params as p
    where i.first_seen_start < p.p_end
    group by recon
)

select * from final
order by recon
