-- Every distinct place text of the period's orders, for recons/intake.py to read through
-- recon_lib/geo.py (kind: province, city or postcode).
with

orders_of as (
    select ship_province, ship_city, ship_postcode from intake_orders where in_period
),

final as (
    select distinct 'province' as kind, ship_province as text from orders_of
    where ship_province is not null
    union
    select distinct 'city', ship_city from orders_of where ship_city is not null
    union
    select distinct 'postcode', ship_postcode from orders_of where ship_postcode is not null
)

select * from final
