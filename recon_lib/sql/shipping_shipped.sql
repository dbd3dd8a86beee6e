-- Right side of the shipping match: the packed lines of shipping_packed with their id. An
-- order's parcels are summed per SKU by the engine (one-to-many). A view, so the id text is
-- only made for the rows that are read with it.
create or replace temp view shipping_shipped as
with

final as (
    select p.shipment_id || '|' || p.sku as packed_id, p.*
    from shipping_packed as p
)

select * from final
