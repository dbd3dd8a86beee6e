-- The supplier invoice lines billing the purchase order an id leads to (or the invoice itself),
-- in the order they were issued.
with

pos as (select po_no from purchase_orders_of($id)),   -- macro in create_macros_shared

final as (
    select distinct h.invoice_no, h.supplier, h.invoice_date, coalesce(l.po_no, h.po_no) as po_no,
           l.line_no, l.sku, l.qty, l.unit_price, l.amount, l.tax, h.vat_invoice_no
    from supplier_invoices as h
    join supplier_invoice_lines as l on l.supplier = h.supplier and l.invoice_no = h.invoice_no
    where h.invoice_no = $id or coalesce(l.po_no, h.po_no) in (select po_no from pos)
)

select * from final order by invoice_date, invoice_no, line_no
