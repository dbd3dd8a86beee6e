-- Payouts still not in the bank at a period's end, and how late they are, for the alerts.
-- A payout is late when the payments reconciliation found it without a bank deposit within the
-- deposit window (PAY_NO_DEPOSIT, in whichever period it was judged) and that item is still open
-- in the register (status open or in_progress); its deadline is paid_at + $window_days days.
-- Only deadlines before the period's end count, and a deposit quoting the payout booked before
-- the period's end means it has arrived (the rule the register closes such items by).
--   days_late = whole days from the deadline's date to the period's last day: 0 when the
--               deadline fell on the last day                                             (days)
--   amount    = the payout's amount, in its currency
with

params as (
    select
        cast($period_end as timestamp) as p_end,
        cast($window_days as integer) as window_days
),

open_items as (
    select distinct key as payout_id
    from register
    where reason_code = 'PAY_NO_DEPOSIT' and status in ('open', 'in_progress')
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

final as (
    select
        l.channel,
        l.payout_id,
        l.paid_at,
        l.deadline,
        date_diff('day', cast(l.deadline as date), cast(pr.p_end as date)) - 1 as days_late,
        cast(l.amount as double) as amount,
        l.currency
    from late as l, params as pr
)

select * from final
order by days_late desc, channel, payout_id
