select m.movement_id, m.movement_type, m.warehouse, m.sku, m.qty, m.posted_at, m.reference
from inventory_movements as m
where m.reference in (select shipment_id from shipments where order_id = $order_id)
order by m.posted_at
