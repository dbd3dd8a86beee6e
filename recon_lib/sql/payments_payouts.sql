-- Payouts that may meet the period's deposits (paid from one window before the period), their
-- lines' total, and their value in CNY at the payout day's reference rate.
create or replace temp table pay_payouts as
with

payouts_in_reach as (
    select p.*
    from payouts as p
    where p.paid_at >= cast($period_start as timestamp) - $window_days * interval '1' day
      and p.paid_at < cast($period_end as timestamp)
),

line_totals as (
    select channel, payout_id, sum(amount) as lines_total, count(*) as lines
    from settlement_lines
    where payout_id in (select payout_id from payouts_in_reach)
    group by channel, payout_id
),

final as (
    select
        p.channel,
        p.payout_id,
        p.paid_at,
        p.amount,
        p.currency,
        coalesce(t.lines_total, 0) as lines_total,
        coalesce(t.lines, 0) as lines,
        case when p.currency = 'CNY' then p.amount
             else round(p.amount * fx.rate_to_cny, 2) end as amount_cny,   -- yuan
        fx.rate_to_cny
    from payouts_in_reach as p
    left join line_totals as t on t.channel = p.channel and t.payout_id = p.payout_id
    left join fx_rates as fx
      on fx.currency = p.currency and fx.rate_date = cast(p.paid_at as date)
)

select * from final
