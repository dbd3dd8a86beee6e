-- The lines of the intake orders, each once, with what the product master says of their SKU
-- (known false: the master has no such SKU).
create or replace temp table intake_lines as
with

lines as (
    select l.*
    from order_lines as l
    where l.order_id in (select order_id from intake_orders)
    qualify row_number() over (partition by l.order_id, l.line_no order by l.period desc) = 1
),

final as (
    select
        l.order_id, l.line_no, l.sku, l.qty, l.unit_price,
        coalesce(l.line_amount, l.qty * l.unit_price) as line_amount,   -- yuan
        p.sku is not null as known,
        p.active,
        p.list_price,                                                 -- yuan
        p.unit_cost                                                   -- yuan
    from lines as l
    left join products as p on p.sku = l.sku
)

select * from final
