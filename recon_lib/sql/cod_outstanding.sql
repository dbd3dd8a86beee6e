-- COD money still with the couriers at the period's end, by courier and days since delivery:
-- parcels delivered (and not refused after) before the end with no remittance line dated
-- before it. overdue: past the contract's remittance days (no terms: not known, NULL).
with

open as (
    select p.*,
           date_diff('day', p.delivered_at, cast($period_end as timestamp)) as days
    from cod_unremitted($period_end) as p
),

termed as (
    select o.*, t.remit_days
    from open as o
    left join cod_terms as t
      on t.carrier = o.carrier
     and cast(o.delivered_at as date) >= t.effective_from
     and (t.effective_to is null or cast(o.delivered_at as date) <= t.effective_to)
    qualify row_number() over (partition by o.tracking_no order by t.effective_from desc) = 1
),

final as (
    select
        carrier,
        case when days <= 7 then '0-7 days' when days <= 14 then '8-14 days'
             when days <= 30 then '15-30 days' else 'over 30 days' end as days_since_delivery,
        count(*) as parcels,
        sum(cod_amount) as amount,                                             -- yuan
        sum(case when remit_days is null then null
                 when days > remit_days then cod_amount else 0 end) as overdue  -- yuan
    from termed
    group by all
)

select * from final
order by carrier, case days_since_delivery when '0-7 days' then 1 when '8-14 days' then 2
                           when '15-30 days' then 3 else 4 end
