-- The COD parcels (shipments.cod_amount) as known at the period's end: delivered or refused by
-- the tracking events before it, the contract terms in effect on the delivery day, the day the
-- remittance falls due (delivery day + remit_days) and what was remitted for them up to the
-- period's end on any statement loaded. Feeds COD_NOT_REMITTED and the report.
-- A parcel is refused when its last refused (拒收) event is not followed by a delivery.
create or replace temp table cod_parcels as
with

stated as (   -- delivered / refused by the tracking events (the shared rule)
    select * from cod_parcel_events($period_end)
),

remitted as (
    select r.tracking_no, sum(r.remitted_amount) as remitted, min(r.remit_date) as first_remit_date,
           count(*) as lines
    from cod_remittances as r
    where r.remit_date < cast($period_end as date)
      and r.tracking_no in (select tracking_no from stated)
    group by r.tracking_no
),

termed as (   -- the terms in effect on the delivery day (the latest that started by then)
    select s.tracking_no, t.remit_days
    from stated as s
    join cod_terms as t
      on t.carrier = s.carrier
     and cast(s.delivered_at as date) >= t.effective_from
     and (t.effective_to is null or cast(s.delivered_at as date) <= t.effective_to)
    where s.delivered_at is not null and s.refused_at is null
    qualify row_number() over (partition by s.tracking_no order by t.effective_from desc) = 1
),

final as (
    select
        s.*,
        case when s.refused_at is not null then 'refused'
             when s.delivered_at is not null then 'delivered'
             else 'in_transit' end as state,
        t.remit_days,
        cast(s.delivered_at as date) + t.remit_days as due_date,
        coalesce(r.remitted, 0) as remitted,                                   -- yuan
        r.first_remit_date,
        coalesce(r.lines, 0) as remittance_lines
    from stated as s
    left join termed as t on t.tracking_no = s.tracking_no
    left join remitted as r on r.tracking_no = s.tracking_no
)

select * from final
