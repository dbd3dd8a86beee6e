-- Every finding on any of the order's records, on whichever leg: keyed by the order, one of its
-- parcels, waybills, stock movements, returns, return parcels, receipts, refunds or settlement
-- lines (the key, or its first part before a '|'), or naming the order; and the findings on the
-- COD remittance batches that paid for its parcels (keyed courier|batch).
with

keys as (
    select $order_id as k
    union all select shipment_id from shipments where order_id = $order_id
    union all select tracking_no from shipments where order_id = $order_id
    union all select return_id from return_requests where order_id = $order_id
    union all select return_tracking_no from return_requests where order_id = $order_id
    union all select receipt_id from return_receipts
              where return_id in (select return_id from return_requests where order_id = $order_id)
    union all select refund_id from refunds where order_id = $order_id
    union all select settlement_id from settlement_lines where order_id = $order_id
    union all select movement_id from inventory_movements
              where reference in (select shipment_id from shipments where order_id = $order_id)
),

final as (
    select d.period, d.recon, d.reason_code, d.key, d.amount, d.explanation,
           r.status, r.owner
    from discrepancies as d
    left join register as r on r.item_id = d.recon || '|' || d.reason_code || '|' || d.key
    where d.order_id = $order_id or split_part(d.key, '|', 1) in (select k from keys)
       or (d.recon = 'cod' and d.key in (
              select carrier || '|' || batch_no from cod_remittances
              where tracking_no in (select tracking_no from shipments
                                    where order_id = $order_id)))
)

select * from final order by period, recon, reason_code, key
