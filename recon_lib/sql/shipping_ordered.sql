-- Left side of the shipping match: the ordered SKUs of shipping_ordered_lines with their id.
-- A view, so the id text is only made for the rows that are read with it (the few the engine
-- stores), not stored for every line.
create or replace temp view shipping_ordered as
with

final as (
    select o.order_id || '|' || o.sku as line_id, o.*
    from shipping_ordered_lines as o
)

select * from final
