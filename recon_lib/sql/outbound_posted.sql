-- Right side of the outbound match: outbound movements that belong to this period's judgment:
-- those posted for a parcel judged now, and those naming no known parcel whose window closes now.
create or replace temp table outbound_posted as
with

outbound as (
    select m.*
    from inventory_movements as m
    where m.movement_type = 'outbound'
),

for_due_parcels as (
    select m.* from outbound as m
    where m.reference in (select shipment_id from outbound_shipped)
),

without_parcel as (
    select m.* from outbound as m
    where (m.reference is null or m.reference not in (select shipment_id from shipments))
      and m.posted_at + $window_hours * interval '1' hour >= cast($period_start as timestamp)
      and m.posted_at + $window_hours * interval '1' hour < cast($period_end as timestamp)
),

final as (
    select
        m.movement_id,
        m.reference as shipment_id,
        m.sku,
        m.qty,
        m.posted_at,
        m.warehouse
    from (select * from for_due_parcels union all select * from without_parcel) as m
)

select * from final
