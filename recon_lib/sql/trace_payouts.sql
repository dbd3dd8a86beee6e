-- The payouts that carried the order's lines, and the deposits whose reference quotes them.
select p.payout_id, p.channel, p.paid_at, p.amount, p.currency,
       string_agg(b.txn_id || ' ' || b.amount || ' on ' || strftime(b.booked_at, '%Y-%m-%d'), '; ')
           as deposits
from payouts as p
left join bank_transactions as b on b.reference like '%' || p.payout_id || '%'
where p.payout_id in (select payout_id from settlement_lines where order_id = $order_id)
group by all order by p.paid_at
