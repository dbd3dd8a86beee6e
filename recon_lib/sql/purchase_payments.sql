-- Supplier payments from our bank statements up to the period's end (a debit to a supplier we
-- have invoices from), each once, with the invoice(s) of that supplier their reference quotes and
-- how much of each invoice was paid so far, in the order they were booked. A payment quoting no
-- invoice has invoice_no null; one quoting several is shared among them by their totals
-- (allocated).
create or replace temp table purchase_payments as
with

invoices as (
    select h.supplier, h.invoice_no, h.invoice_date,
           coalesce(h.total, t.total) as total                            -- yuan, with tax
    from (select * from supplier_invoices
          where invoice_date < cast($period_end as date)
          qualify row_number() over (partition by supplier, invoice_no order by period desc) = 1)
        as h
    left join (select supplier, invoice_no, sum(coalesce(amount, qty * unit_price)
                                                + coalesce(tax, 0)) as total
               from supplier_invoice_lines group by supplier, invoice_no) as t
      on t.supplier = h.supplier and t.invoice_no = h.invoice_no
),

suppliers as (select distinct supplier from invoices),

paid as (
    select b.account, b.txn_id, b.booked_at, -b.amount as amount, b.counterparty, b.reference
    from (select * from bank_transactions
          qualify row_number() over (partition by account, txn_id order by period desc) = 1) as b
    where b.amount < 0 and b.booked_at < cast($period_end as timestamp)
      and b.counterparty in (select supplier from suppliers)
),

numbers as (   -- what each reference quotes (macro reference_numbers)
    select account, txn_id, counterparty, unnest(reference_numbers(reference)) as number
    from paid
),

matched as (
    select distinct n.account, n.txn_id, i.invoice_no, i.total, i.invoice_date
    from numbers as n
    join invoices as i on i.supplier = n.counterparty and i.invoice_no = n.number
),

quoted as (
    select p.*, m.invoice_no, m.total, m.invoice_date
    from paid as p
    left join matched as m on m.account = p.account and m.txn_id = p.txn_id
),

shares as (   -- a payment quoting several invoices pays each its share of their totals
    select q.*,
           coalesce(round(q.amount * q.total
                          / nullif(sum(q.total) over (partition by q.account, q.txn_id), 0), 2),
                    q.amount) as allocated
    from quoted as q
),

final as (
    select s.*,
           sum(s.allocated) over (partition by s.counterparty, s.invoice_no
                                  order by s.booked_at, s.txn_id
                                  rows between unbounded preceding and current row) as paid_so_far
    from shares as s
)

select * from final
