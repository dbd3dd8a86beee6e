-- What was ordered, per order and SKU, for due orders that have at least one parcel (orders
-- with none are "unshipped", judged as a whole). The left side of the shipping match is this
-- table with its id (shipping_ordered); the findings look their few rows up here by column.
create or replace temp table shipping_ordered_lines as
with

final as (
    select
        l.order_id,
        l.sku,
        sum(l.qty) as qty,
        max(l.unit_price) as unit_price,            -- yuan
        sum(l.qty * l.unit_price) as ordered_value  -- yuan
    from order_lines as l
    join shipping_due as d on d.order_id = l.order_id
    where d.is_due and d.n_parcels > 0
    group by l.order_id, l.sku
)

select * from final
