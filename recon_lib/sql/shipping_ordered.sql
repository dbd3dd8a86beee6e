-- Left side of the shipping match: what was ordered, per order and SKU, for due orders that
-- have at least one parcel (orders with none are "unshipped", judged as a whole).
create or replace temp table shipping_ordered as
with

final as (
    select
        l.order_id || '|' || l.sku as line_id,
        l.order_id,
        l.sku,
        sum(l.qty) as qty,
        max(l.unit_price) as unit_price,            -- yuan
        sum(l.qty * l.unit_price) as ordered_value  -- yuan
    from order_lines as l
    join shipping_due as d on d.order_id = l.order_id
    where d.n_parcels > 0
    group by l.order_id, l.sku
)

select * from final
