select s.shipment_id, s.tracking_no, s.carrier, s.warehouse, s.ship_time, s.weight_kg,
       s.dest_province, string_agg(l.qty || ' x ' || l.sku, ', ' order by l.sku) as contents
from shipments as s left join shipment_lines as l on l.shipment_id = s.shipment_id
where s.order_id = $order_id
group by all order by s.ship_time
