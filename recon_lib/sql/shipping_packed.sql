-- Every packed line of the due orders' parcels that left before the period's end. The right
-- side of the shipping match is this table with its id (shipping_shipped).
-- "Left before the period's end" is "no later than the order's last parcel before it"
-- (shipping_due.last_ship), so no parameter is needed.
create or replace temp table shipping_packed as
with

final as (
    select
        s.shipment_id,
        s.order_id,
        sl.sku,
        sl.qty
    from shipments as s
    join shipment_lines as sl on sl.shipment_id = s.shipment_id
    join shipping_due as d on d.order_id = s.order_id
    where d.is_due and d.n_parcels > 0
      and s.ship_time <= d.last_ship
)

select * from final
