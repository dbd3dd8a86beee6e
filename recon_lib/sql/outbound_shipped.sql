-- Left side of the outbound match: the parcel lines of outbound_lines with their id. A view,
-- so the id text is only made for the rows that are read with it.
create or replace temp view outbound_shipped as
with

final as (
    select l.shipment_id || '|' || l.sku as line_id, l.*
    from outbound_lines as l
)

select * from final
