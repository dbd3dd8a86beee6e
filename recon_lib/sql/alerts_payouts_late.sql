-- Payouts overdue at the bank at a period's end, and how late they are: the one definition
-- the payout_late alert and the headline's "payouts overdue at the bank" (part of receivables
-- overdue, recon_lib/pipeline.py headline) read.
-- A payout is late when the payments reconciliation found it without a bank deposit within the
-- deposit window (PAY_NO_DEPOSIT, in whichever period it was judged) and that item was open at
-- the period's end (status open or in_progress now, or closed only in a later period); its
-- deadline is paid_at + $window_days days. Only deadlines before the period's end count, and a
-- deposit quoting the payout booked before the period's end means it has arrived (the rule the
-- register closes such items by).
--   days_late   = whole days from the deadline's date to the period's last day: 0 when the
--                 deadline fell on the last day                                           (days)
--   amount      = the payout's amount, in its currency
--   amount_cny  = the same in yuan, at the reference rate of the payout's day (NULL when a
--                 foreign-currency payout's day has no rate)                              (yuan)
--   period_orders_cny = the part of it for orders paid in the period: the payout's settlement
--                 lines of those orders, in yuan at their settlement day's rate (what the money
--                 page's "overdue at the bank" counts, which follows the period's orders) (yuan)
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($window_days as integer) as window_days
),

open_items as (
    select distinct r.key as payout_id
    from register as r, params as pr
    where r.reason_code = 'PAY_NO_DEPOSIT'
      and (r.status in ('open', 'in_progress') or r.closed_on > cast(pr.p_end as date))
),

late as (
    select
        p.channel,
        p.payout_id,
        p.paid_at,
        p.amount,
        p.currency,
        p.paid_at + pr.window_days * interval '1' day as deadline
    from payouts as p
    join open_items as i on i.payout_id = p.payout_id
    cross join params as pr
    where p.paid_at + pr.window_days * interval '1' day < pr.p_end
      and not exists (select 1 from bank_transactions as b
                      where b.amount > 0 and b.booked_at < pr.p_end
                        and b.reference like '%' || p.payout_id || '%')
),

period_lines as (   -- the late payouts' lines of orders paid in the period, in yuan
    select l.payout_id,
           sum(round(l.amount * case when l.currency = 'CNY' then 1 else fx.rate_to_cny end, 2))
               as amount_cny
    from settlement_lines as l
    cross join params as pr
    join orders as o on o.order_id = l.order_id
    left join fx_rates as fx
      on fx.currency = l.currency and fx.rate_date = cast(l.settled_at as date)
    where l.payout_id in (select payout_id from late)
      and o.paid_at >= pr.p_start and o.paid_at < pr.p_end
    group by l.payout_id
),

final as (
    select
        l.channel,
        l.payout_id,
        l.paid_at,
        l.deadline,
        date_diff('day', cast(l.deadline as date), cast(pr.p_end as date)) - 1 as days_late,
        cast(l.amount as double) as amount,
        l.currency,
        cast(round(l.amount * case when l.currency = 'CNY' then 1 else fx.rate_to_cny end, 2)
             as double) as amount_cny,
        cast(coalesce(pl.amount_cny, 0) as double) as period_orders_cny
    from late as l
    cross join params as pr
    left join fx_rates as fx
      on fx.currency = l.currency and fx.rate_date = cast(l.paid_at as date)
    left join period_lines as pl on pl.payout_id = l.payout_id
)

select * from final
order by days_late desc, channel, payout_id
