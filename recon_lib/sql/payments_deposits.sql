-- Bank deposits that may meet the period's payouts, each with the payout its reference quotes
-- (if any). Deposits are positive statement lines; a courier's cash-on-delivery remittance (its
-- memo carries $cod_memo, e.g. 代收货款) is the COD reconciliation's, not a platform payout's.
create or replace temp table pay_deposits as
with

deposits as (
    select b.*
    from bank_transactions as b
    where b.amount > 0
      and coalesce(b.reference, '') not like '%' || $cod_memo || '%'
      and b.booked_at >= cast($period_start as timestamp) - $window_days * interval '1' day
      and b.booked_at < cast($period_end as timestamp)
),

quoted as (   -- a payout number written in the reference links the two for sure
    select d.txn_id, min(p.payout_id) as payout_id
    from deposits as d
    join pay_payouts as p on d.reference like '%' || p.payout_id || '%'
    group by d.txn_id
),

final as (
    select d.account, d.txn_id, d.booked_at, d.amount, d.currency, d.counterparty, d.reference,
           q.payout_id
    from deposits as d
    left join quoted as q on q.txn_id = d.txn_id
)

select * from final
