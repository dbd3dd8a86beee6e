select b.carrier, b.waybill_no, b.bill_date, b.fee_type, b.billed_weight_kg, b.dest_province,
       b.payable, b.source_file, b.source_row
from courier_bill_lines as b
where b.waybill_no in (select tracking_no from shipments where order_id = $order_id
                       union select return_tracking_no from return_requests
                       where order_id = $order_id)
order by b.bill_date, b.fee_type
