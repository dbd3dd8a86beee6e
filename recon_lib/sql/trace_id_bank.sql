-- Bank transactions with this id, or whose reference quotes it (a payout number); an id of
-- fewer than 4 characters is not looked for inside references.
select b.account, b.txn_id, b.booked_at, b.amount, b.currency, b.counterparty, b.reference
from bank_transactions as b
where b.txn_id = $id or (length($id) >= 4 and contains(b.reference, $id))
order by b.booked_at, b.txn_id
