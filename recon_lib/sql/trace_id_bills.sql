-- Courier bill lines of a waybill, whether or not it is one of our parcels.
select b.carrier, b.waybill_no, b.bill_date, b.fee_type, b.billed_weight_kg, b.dest_province,
       b.payable, b.period, b.source_file, b.source_row
from courier_bill_lines as b
where b.waybill_no = $id
order by b.bill_date, b.fee_type, b.source_file, b.source_row
