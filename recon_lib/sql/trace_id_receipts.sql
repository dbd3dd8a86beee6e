-- Return receipts with this id, or of a parcel with this waybill (known return or not).
select c.receipt_id, c.return_id, c.tracking_no, c.sku, c.qty, c.condition, c.received_at
from return_receipts as c
where c.receipt_id = $id or c.tracking_no = $id
order by c.received_at
