-- Intake comparisons that could not be made on some orders or lines, because a value they need
-- is missing or names nothing known: counted here, never a finding (intake_discrepancies.sql).
-- Run after the intake reconciliation, while its staged tables exist (they hold the period). rows: orders, or order
-- lines for the SKU rules.
--   INTAKE_BAD_PHONE       a mainland order without a phone
--   INTAKE_BAD_ADDRESS     a province or city that names no known place (a district, a typo)
--   INTAKE_PRICE_OFF_LIST  a line of a known SKU without a unit price, or a SKU without a list
--                          price
--   INTAKE_TOTAL_MISMATCH  an order without lines, or with a line without an amount
--   INTAKE_OVER_STOCK      a line ordered after the last stock snapshot, or of a SKU the
--                          snapshot does not list
with

orders_of as (
    select * from intake_orders where in_period
),

places as (
    select o.order_id,
           pv.province is null and nullif(trim(o.ship_province), '') is not null as province_unknown,
           ct.province is null and nullif(trim(o.ship_city), '') is not null as city_unknown
    from orders_of as o
    left join intake_places as pv on pv.kind = 'province' and pv.text = o.ship_province
    left join intake_places as ct on ct.kind = 'city' and ct.text = o.ship_city
    where o.currency = 'CNY'
),

lines as (
    select l.*
    from intake_lines as l
    where l.order_id in (select order_id from orders_of)
),

counted as (
    select 'INTAKE_BAD_PHONE' as reason_code, 'orders.customer_phone' as field,
           (select count(*) from orders_of
            where currency = 'CNY' and nullif(trim(customer_phone), '') is null) as rows,
           'a mainland order has no phone' as reason
    union all
    select 'INTAKE_BAD_ADDRESS', 'orders.ship_city',
           (select count(*) from places where province_unknown or city_unknown),
           'the province or city names no place the bundled table knows (a district, a typo)'
    union all
    select 'INTAKE_PRICE_OFF_LIST', 'products.list_price',
           (select count(*) from lines where known and (unit_price is null or list_price is null)),
           'a line of a known SKU has no unit price, or the SKU no list price'
    union all
    select 'INTAKE_TOTAL_MISMATCH', 'order_lines.line_amount',
           (select count(*) from orders_of as o
            where not exists (select 1 from lines as l where l.order_id = o.order_id)
               or exists (select 1 from lines as l
                          where l.order_id = o.order_id and l.line_amount is null)),
           'an order has no lines, or a line without an amount'
    union all
    select 'INTAKE_OVER_STOCK', 'inventory_snapshots.on_hand',
           (select count(*) from intake_stock where on_hand is null),
           'a line was ordered after the last stock snapshot, or its SKU is not in the snapshot'
),

final as (
    select
        cast(reason_code as varchar) as reason_code,
        cast(field as varchar) as field,
        cast(rows as bigint) as rows,
        cast(reason as varchar) as reason
    from counted
    where rows > 0
)

select * from final
order by reason_code, field
