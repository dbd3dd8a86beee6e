-- The goods receipts of the purchase order an id leads to (or the receipt itself), in the order
-- they arrived.
with

pos as (
    select po_no from purchase_orders where po_no = $id
    union select po_no from goods_receipts where grn_no = $id and po_no is not null
    union select coalesce(l.po_no, h.po_no)
          from supplier_invoices as h
          join supplier_invoice_lines as l on l.supplier = h.supplier and l.invoice_no = h.invoice_no
          where h.invoice_no = $id and coalesce(l.po_no, h.po_no) is not null
),

final as (
    select distinct grn_no, po_no, supplier, sku, qty_received, qty_accepted, warehouse,
           received_at
    from goods_receipts
    where grn_no = $id or po_no in (select po_no from pos)
)

select * from final order by received_at, grn_no, sku
