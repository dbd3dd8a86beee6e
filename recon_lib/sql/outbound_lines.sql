-- SKUs packed in parcels that are due for judgment this period. A parcel is judged once its
-- posting window has closed: ship_time + window inside the period. The left side of the
-- outbound match is this table with its id (outbound_shipped).
create or replace temp table outbound_lines as
with

due as (
    select s.shipment_id, s.ship_time
    from shipments as s
    where s.ship_time + $window_hours * interval '1' hour >= cast($period_start as timestamp)
      and s.ship_time + $window_hours * interval '1' hour < cast($period_end as timestamp)
),

final as (
    select
        d.shipment_id,
        sl.sku,
        sl.qty,
        d.ship_time
    from due as d
    join shipment_lines as sl on sl.shipment_id = d.shipment_id
)

select * from final
