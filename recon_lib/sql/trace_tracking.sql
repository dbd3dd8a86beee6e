select t.tracking_no, t.event_type, t.event_time, t.promised_date, t.location
from tracking_events as t
where t.tracking_no in (select tracking_no from shipments where order_id = $order_id
                        union select return_tracking_no from return_requests
                        where order_id = $order_id)
order by t.event_time
