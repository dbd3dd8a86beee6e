-- Supplier payments from our bank statements up to the period's end (a debit to a supplier we
-- have invoices from), each once, with the invoice(s) of that supplier their reference quotes and
-- how much of each invoice was paid so far, in the order they were booked. A payment quoting no
-- invoice has invoice_no null; one quoting several is shared among them by their totals
-- (allocated; macro supplier_payment_shares, which the supplier balances read too).
create or replace temp table purchase_payments as
with

shares as (
    select * from supplier_payment_shares(cast($period_end as timestamp))
),

final as (
    select s.*,
           sum(s.allocated) over (partition by s.counterparty, s.invoice_no
                                  order by s.booked_at, s.txn_id
                                  rows between unbounded preceding and current row) as paid_so_far
    from shares as s
)

select * from final
