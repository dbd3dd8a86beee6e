-- Where an id is on record, leg by leg, and the order each record leads to (null when it leads to
-- none: a waybill only on a courier bill, a payout, a bank transaction, a shop-level settlement
-- line, a receipt of no known return). An order number that is on some leg but not in the order
-- export (a settlement or a parcel of an order we do not know) is found too. `findings` counts
-- each order's findings, so that a cut list keeps the orders that have some.
with

hits as (
    select 'order' as kind, order_id from orders where order_id = $id
    union all select 'order not in the order export', cast($id as varchar)
              where not exists (select 1 from orders where order_id = $id)
                and (exists (select 1 from settlement_lines where order_id = $id)
                     or exists (select 1 from shipments where order_id = $id)
                     or exists (select 1 from return_requests where order_id = $id)
                     or exists (select 1 from refunds where order_id = $id))
    union all select 'shipment', order_id from shipments where shipment_id = $id
    union all select 'tracking number', order_id from shipments where tracking_no = $id
    union all select 'return', order_id from return_requests where return_id = $id
    union all select 'return waybill', order_id from return_requests where return_tracking_no = $id
    union all select 'return receipt', r.order_id
              from return_receipts as c
              left join return_requests as r
                on r.return_id = c.return_id or r.return_tracking_no = c.tracking_no
              where c.receipt_id = $id or c.tracking_no = $id
    union all select 'refund', order_id from refunds where refund_id = $id
    union all select 'settlement line', order_id from settlement_lines where settlement_id = $id
    union all select 'payout', order_id from settlement_lines where payout_id = $id
    union all select 'payout', null from payouts where payout_id = $id
    union all select 'bank transaction', null from bank_transactions where txn_id = $id
    union all select 'bank transaction', s.order_id   -- the orders of the payouts it quotes
              from bank_transactions as b
              join settlement_lines as s on contains(b.reference, s.payout_id)
              where b.txn_id = $id
    union all select 'quoted by a bank transaction', null from bank_transactions
              where length($id) >= 4 and contains(reference, $id)
    -- purchasing: a PO, a goods receipt or a supplier invoice leads to no customer order
    union all select 'purchase order', null from purchase_orders where po_no = $id
    union all select 'goods receipt', null from goods_receipts where grn_no = $id
    union all select 'supplier invoice', null from supplier_invoices where invoice_no = $id
    -- cash on delivery: a remittance batch leads to the orders of its waybills
    union all select 'COD remittance batch', s.order_id
              from cod_remittances as r
              left join shipments as s on s.tracking_no = r.tracking_no
              where r.batch_no = $id
    -- a waybill or tracked parcel that is none of our parcels or return parcels
    union all select 'waybill on a courier bill', null from courier_bill_lines
              where waybill_no = $id
                and not exists (select 1 from shipments where tracking_no = $id)
                and not exists (select 1 from return_requests where return_tracking_no = $id)
    union all select 'waybill on a COD statement', null from cod_remittances
              where tracking_no = $id
                and not exists (select 1 from shipments where tracking_no = $id)
    union all select 'tracked parcel', null from tracking_events
              where tracking_no = $id
                and not exists (select 1 from shipments where tracking_no = $id)
                and not exists (select 1 from return_requests where return_tracking_no = $id)
),

found as (select distinct kind, order_id from hits),

counted as (
    select order_id, count(*) as findings
    from discrepancies
    where order_id in (select order_id from found)
    group by order_id
),

final as (
    select f.kind, f.order_id, coalesce(c.findings, 0) as findings
    from found as f
    left join counted as c on c.order_id = f.order_id
)

select * from final order by findings desc, order_id nulls first, kind
