-- The goods receipts of the purchase order an id leads to (or the receipt itself), in the order
-- they arrived.
with

pos as (select po_no from purchase_orders_of($id)),   -- macro in create_macros_shared

final as (
    select distinct grn_no, po_no, supplier, sku, qty_received, qty_accepted, warehouse,
           received_at
    from goods_receipts
    where grn_no = $id or po_no in (select po_no from pos)
)

select * from final order by received_at, grn_no, sku
