-- The purchase order an id leads to (the PO itself, the PO of a goods receipt, or the PO(s) an
-- invoice bills), line by line.
with

pos as (select po_no from purchase_orders_of($id)),   -- macro in create_macros_shared

final as (
    select distinct h.po_no, h.supplier, h.order_date, h.expected_date, l.line_no, l.sku, l.qty,
           l.unit_price, l.tax_rate
    from purchase_orders as h
    join purchase_order_lines as l on l.po_no = h.po_no
    where h.po_no in (select po_no from pos)
)

select * from final order by po_no, line_no
