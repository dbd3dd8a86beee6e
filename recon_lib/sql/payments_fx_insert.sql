-- Foreign-currency payouts whose deposit differs from the reference-rate value by no more than
-- the FX tolerance: recorded as FX differences (a cost of conversion), not as discrepancies.
insert into fx_differences
with

final as (
    select $period as period, p.payout_id, p.channel, p.currency, p.amount, p.rate_to_cny,
           p.amount_cny as expected_cny, d.amount as deposited, d.amount - p.amount_cny as difference,
           d.txn_id
    from pay_payouts as p
    join pay_deposits as d on d.payout_id = p.payout_id
    where p.currency <> 'CNY'
      and p.paid_at >= cast($period_start as timestamp)
      and abs(d.amount - p.amount_cny) <= cast($fx_tolerance as decimal(9,6)) * p.amount_cny
)

select * from final
