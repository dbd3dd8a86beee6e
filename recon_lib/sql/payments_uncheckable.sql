-- Payment comparisons that could not be made on some rows, because a value they need is missing:
-- counted here, never a finding (see payments_discrepancies.sql). Run after the payments
-- reconciliation of the run, while its staged tables (pay_expected, pay_lines, pay_payouts,
-- pay_deposits) exist. One row per comparison and missing field, only where rows > 0.
--   PAY_GROSS_MISMATCH    orders whose sale was credited in a foreign currency on a day without
--                         a reference rate: what the buyer paid is not known in that currency
--   PAY_FEE_MISMATCH      expected commission or fee lines of such orders that the platform did
--                         charge (one it did not charge is still a finding, its amount unknown)
--   PAY_DEPOSIT_MISMATCH  foreign-currency payouts of the period quoted by a deposit, without a
--                         reference rate on their day: the CNY to expect is unknown
with

params as (
    select
        cast($run_id as varchar) as run_id,
        cast($period as varchar) as period,
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end
),

sale as (
    select count(*) as no_rate
    from pay_expected as e
    where e.line_type = 'sale' and e.amount is null
),

fees as (
    select count(*) as no_rate
    from pay_expected as e
    where e.line_type in ('commission', 'fee') and e.amount is null
      and exists (select 1 from pay_lines as b
                  where b.order_id = e.order_id and b.line_type = e.line_type)
),

deposits as (
    select count(*) as no_rate
    from pay_payouts as p, params as pr
    where p.currency <> 'CNY' and p.amount_cny is null
      and p.paid_at >= pr.p_start
      and p.payout_id in (select payout_id from pay_deposits where payout_id is not null)
),

counted as (
    select 'PAY_GROSS_MISMATCH' as reason_code, 'fx_rates.rate_to_cny' as field,
           no_rate as rows,
           'no reference rate for the sale''s currency on its settlement day' as reason
    from sale
    union all
    select 'PAY_FEE_MISMATCH', 'fx_rates.rate_to_cny', no_rate,
           'no reference rate for the fee''s currency on its settlement day'
    from fees
    union all
    select 'PAY_DEPOSIT_MISMATCH', 'fx_rates.rate_to_cny', no_rate,
           'no reference rate for the payout''s currency on its day'
    from deposits
),

final as (
    select
        cast(reason_code as varchar) as reason_code,
        cast(field as varchar) as field,
        cast(rows as bigint) as rows,
        cast(reason as varchar) as reason
    from counted, params
    where rows > 0
)

select * from final
order by reason_code, field
