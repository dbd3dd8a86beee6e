-- The payout with this id, or the payouts a bank transaction with this id quotes; with the
-- deposits whose reference quotes each.
with

payouts_named as (
    select p.* from payouts as p
    where p.payout_id = $id
       or p.payout_id in (select p2.payout_id from payouts as p2, bank_transactions as b
                          where b.txn_id = $id and contains(b.reference, p2.payout_id))
),

final as (
    select p.channel, p.payout_id, p.paid_at, p.amount, p.currency,
           string_agg(b.txn_id || ' ' || b.amount || ' on ' || strftime(b.booked_at, '%Y-%m-%d'),
                      '; ' order by b.booked_at) as deposits
    from payouts_named as p
    left join bank_transactions as b on contains(b.reference, p.payout_id)
    group by all
)

select * from final order by paid_at, payout_id
