-- Per channel, for the period: gross sales, refunds, fees by type and as a share of sales, net
-- credited, what reached the bank, and receivables still outstanding; in CNY at each day's
-- reference rate for foreign-currency channels.
with

lines as (
    select s.channel, s.line_type, s.currency,
           s.amount * case when s.currency = 'CNY' then 1 else fx.rate_to_cny end as amount_cny
    from settlement_lines as s
    left join fx_rates as fx
      on fx.currency = s.currency and fx.rate_date = cast(s.settled_at as date)
    where s.settled_at >= cast($period_start as timestamp)
      and s.settled_at < cast($period_end as timestamp)
),

credited as (
    select
        channel,
        any_value(currency) as currency,
        sum(case when line_type = 'sale' then amount_cny else 0 end) as gross_sales,
        -sum(case when line_type = 'refund' then amount_cny else 0 end) as refunds,
        -sum(case when line_type = 'commission' then amount_cny else 0 end) as commission,
        -sum(case when line_type = 'fee' then amount_cny else 0 end) as fees,
        sum(amount_cny) as net_credited
    from lines
    group by channel
),

deposited as (
    select p.channel, sum(b.amount) as deposited
    from bank_transactions as b
    join payouts as p on b.reference like '%' || p.payout_id || '%'
    where b.booked_at >= cast($period_start as timestamp)
      and b.booked_at < cast($period_end as timestamp)
    group by p.channel
),

paid_out as (
    select channel, sum(amount * case when currency = 'CNY' then 1 else 0 end) as paid_out_cny,
           count(*) as payouts
    from payouts
    where paid_at >= cast($period_start as timestamp) and paid_at < cast($period_end as timestamp)
    group by channel
),

cycles as (
    select channel, max(settlement_days) as settlement_days
    from fee_schedules group by channel
),

final as (
    select
        c.channel, c.currency, cy.settlement_days,
        round(c.gross_sales, 2) as gross_sales,
        round(c.refunds, 2) as refunds,
        round(c.commission, 2) as commission,
        round(c.fees, 2) as fees,
        (c.commission + c.fees) / nullif(c.gross_sales, 0) as fee_share,
        round(c.net_credited, 2) as net_credited,
        coalesce(p.payouts, 0) as payouts,
        d.deposited                                   -- deposits quoting a payout number
    from credited as c
    left join cycles as cy on cy.channel = c.channel
    left join paid_out as p on p.channel = c.channel
    left join deposited as d on d.channel = c.channel
)

select * from final
order by channel
