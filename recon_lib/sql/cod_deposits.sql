-- Bank deposits that may be COD remittances (positive lines from one deposit window before the
-- period): those whose memo carries the COD words ($cod_memo, e.g. 代收货款) or quotes a batch.
-- The batch a deposit quotes links the two for sure; otherwise the courier is the one whose
-- name (cod_terms.payer) is the deposit's counterparty, and the engine pairs by amount and day.
create or replace temp table cod_deposits as
with

deposits as (
    select b.*
    from bank_transactions as b
    where b.amount > 0
      and b.booked_at >= cast($period_start as timestamp) - $window_days * interval '1' day
      and b.booked_at < cast($period_end as timestamp)
),

numbers as (   -- the numbers a memo quotes, whole (macro reference_numbers)
    select d.account, d.txn_id, unnest(reference_numbers(d.reference)) as number
    from deposits as d
),

quoted as (
    select n.account, n.txn_id, min(c.batch_id) as batch_id, min(c.carrier) as carrier
    from numbers as n
    join cod_batches as c on c.batch_no = n.number
    group by n.account, n.txn_id
),

final as (
    select d.account, d.txn_id, d.booked_at, d.amount, d.counterparty, d.reference,
           q.batch_id, coalesce(q.carrier, p.carrier) as carrier
    from deposits as d
    left join quoted as q on q.account = d.account and q.txn_id = d.txn_id
    left join cod_payer_carriers() as p on p.payer = d.counterparty
    where q.batch_id is not null or coalesce(d.reference, '') like '%' || $cod_memo || '%'
)

select * from final
