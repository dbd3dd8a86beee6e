-- Which orders an id names: an order number, a waybill (ours or a return's), a return id, a
-- payout id or a settlement line.
with

hits as (
    select 'order' as kind, order_id from orders where order_id = $id
    union all select 'shipment', order_id from shipments where shipment_id = $id
    union all select 'tracking number', order_id from shipments where tracking_no = $id
    union all select 'return', order_id from return_requests where return_id = $id
    union all select 'return waybill', order_id from return_requests where return_tracking_no = $id
    union all select 'payout', order_id from settlement_lines
              where payout_id = $id and order_id is not null
    union all select 'settlement line', order_id from settlement_lines where settlement_id = $id
),

final as (select distinct kind, order_id from hits)

select * from final order by order_id
