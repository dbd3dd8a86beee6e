-- Settlement lines booked in the period, with the reference rate of their currency that day.
create or replace temp table pay_lines as
with

lines as (
    select s.*
    from settlement_lines as s
    where s.settled_at >= cast($period_start as timestamp)
      and s.settled_at < cast($period_end as timestamp)
),

final as (
    select
        l.*,
        case when l.currency = 'CNY' then cast(1 as decimal(18,6)) else fx.rate_to_cny end
            as rate_to_cny    -- CNY per unit of the line's currency
    from lines as l
    left join fx_rates as fx
      on fx.currency = l.currency and fx.rate_date = cast(l.settled_at as date)
)

select * from final
