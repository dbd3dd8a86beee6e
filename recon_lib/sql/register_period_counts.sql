-- For a period, per reconciliation: items first found in it (new), items from earlier periods
-- still open at its end (carried), items resolved in it (by later data or by hand), and the
-- amount of those still open now.
with

items as (select * from register),

final as (
    select recon,
           count(*) filter (where first_seen = $period) as new_items,
           count(*) filter (where first_seen < $period and (closed_period is null
                                                            or closed_period > $period))
               as carried,
           count(*) filter (where closed_period = $period) as resolved,
           coalesce(sum(amount) filter (where status in ('open', 'in_progress')), 0) as open_amount
    from items
    where first_seen <= $period
    group by recon
)

select * from final
order by recon
