-- Right side of the shipping match: every packed line of the due orders' parcels that left
-- before the period's end. An order's parcels are summed per SKU by the engine (one-to-many).
create or replace temp table shipping_shipped as
with

final as (
    select
        s.shipment_id || '|' || sl.sku as packed_id,
        s.shipment_id,
        s.order_id,
        sl.sku,
        sl.qty
    from shipments as s
    join shipment_lines as sl on sl.shipment_id = s.shipment_id
    join shipping_due as d on d.order_id = s.order_id
    where d.n_parcels > 0
      and s.ship_time < cast($period_end as timestamp)
)

select * from final
