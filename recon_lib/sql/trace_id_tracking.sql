-- The tracking events of a waybill, whether or not it is one of our parcels.
select t.tracking_no, t.event_type, t.event_time, t.promised_date, t.location
from tracking_events as t
where t.tracking_no = $id
order by t.event_time
