-- Right side of the outbound match: outbound movements that belong to this period's judgment:
-- those posted for a parcel judged now, and those naming no known parcel whose window closes now.
-- (The two never overlap: a parcel judged now is a known parcel. One pass over the movements.)
create or replace temp table outbound_posted as
with

final as (
    select
        m.movement_id,
        m.reference as shipment_id,
        m.sku,
        m.qty,
        m.posted_at
    from inventory_movements as m
    where m.movement_type = 'outbound'
      and (m.reference in (select shipment_id from outbound_lines)
           or ((m.reference is null or m.reference not in (select shipment_id from shipments))
               and m.posted_at + $window_hours * interval '1' hour
                   >= cast($period_start as timestamp)
               and m.posted_at + $window_hours * interval '1' hour
                   < cast($period_end as timestamp)))
)

select * from final
