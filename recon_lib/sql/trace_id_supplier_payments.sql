-- Payments from our bank accounts (amount below zero) whose reference quotes an invoice of the
-- purchase order an id leads to, or the invoice itself: how the supplier was paid.
with

pos as (select po_no from purchase_orders_of($id)),   -- macro in create_macros_shared

invoices as (
    select distinct h.invoice_no
    from supplier_invoices as h
    join supplier_invoice_lines as l on l.supplier = h.supplier and l.invoice_no = h.invoice_no
    where h.invoice_no = $id or coalesce(l.po_no, h.po_no) in (select po_no from pos)
),

final as (
    select distinct b.txn_id, b.account, b.booked_at, b.amount, b.currency, b.counterparty,
           b.reference, i.invoice_no
    from bank_transactions as b
    join invoices as i on list_contains(reference_numbers(b.reference), i.invoice_no)
    where b.amount < 0
)

select * from final order by booked_at, txn_id
