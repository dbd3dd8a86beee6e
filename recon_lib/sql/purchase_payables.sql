-- What we owe each supplier at the period's end (应付): its invoices to date with tax, less the
-- payments quoting them, aged by the invoice date; payments quoting no invoice (prepayments)
-- are shown apart and taken off the balance. Documents each once, as the period's end knew them.
with

params as (
    select cast($period_end as timestamp) as p_end
),

invoices as (
    select h.supplier, h.invoice_no, h.invoice_date,
           coalesce(h.total, t.total) as total                            -- yuan, with tax
    from (select * from supplier_invoices
          qualify row_number() over (partition by supplier, invoice_no order by period desc) = 1)
        as h
    left join (select supplier, invoice_no, sum(coalesce(amount, qty * unit_price)
                                                + coalesce(tax, 0)) as total
               from supplier_invoice_lines group by supplier, invoice_no) as t
      on t.supplier = h.supplier and t.invoice_no = h.invoice_no,
         params as pr
    where h.invoice_date < cast(pr.p_end as date)
),

paid as (
    select b.account, b.txn_id, -b.amount as amount, b.counterparty as supplier, b.reference
    from (select * from bank_transactions
          qualify row_number() over (partition by account, txn_id order by period desc) = 1) as b,
         params as pr
    where b.amount < 0 and b.booked_at < pr.p_end
      and b.counterparty in (select supplier from invoices)
),

numbers as (   -- what each reference quotes (macro reference_numbers)
    select account, txn_id, supplier, amount, unnest(reference_numbers(reference)) as number
    from paid
),

quoted as (   -- a payment and each of its supplier's invoices it quotes
    select distinct n.account, n.txn_id, n.supplier, n.amount, i.invoice_no, i.total
    from numbers as n
    join invoices as i on i.supplier = n.supplier and i.invoice_no = n.number
),

quoting as (   -- one quoting several invoices pays each its share of their totals
    select q.*,
           coalesce(round(q.amount * q.total
                          / nullif(sum(q.total) over (partition by q.account, q.txn_id), 0), 2),
                    q.amount) as allocated
    from quoted as q
),

allocated as (
    select i.*, coalesce(sum(q.allocated), 0) as paid
    from invoices as i
    left join quoting as q on q.supplier = i.supplier and q.invoice_no = i.invoice_no
    group by all
),

open_invoices as (
    select a.*, greatest(a.total - a.paid, 0) as open,
           date_diff('day', a.invoice_date, cast(pr.p_end as date)) as age_days
    from allocated as a, params as pr
),

unquoted as (
    select p.supplier, sum(p.amount) as unallocated
    from paid as p
    where not exists (select 1 from quoting as q
                      where q.account = p.account and q.txn_id = p.txn_id)
    group by p.supplier
),

final as (
    select
        o.supplier,
        sum(o.total) as invoiced_total,                                               -- yuan
        sum(o.paid) as paid_to_date,
        coalesce(any_value(u.unallocated), 0) as unallocated,
        sum(o.open) - coalesce(any_value(u.unallocated), 0) as payable,
        sum(o.open) filter (where o.age_days <= 30) as payable_0_30,
        sum(o.open) filter (where o.age_days between 31 and 60) as payable_31_60,
        sum(o.open) filter (where o.age_days between 61 and 90) as payable_61_90,
        sum(o.open) filter (where o.age_days > 90) as payable_over_90
    from open_invoices as o
    left join unquoted as u on u.supplier = o.supplier
    group by o.supplier
)

select * from final
order by payable desc, supplier
