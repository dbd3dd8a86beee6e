-- Carrier choice totals from carrier_choice (analytics_carrier_choice.sql), at four levels:
--   'total'      one row: the month
--   'warehouse'  per dispatching warehouse
--   'province'   per destination province ('(unknown)' for parcels without one, listed last)
--   'move'       per (carrier, service) as carried -> (best_carrier, best_service), priced parcels
-- Over the priced parcels (status 'priced') only, so both sides count the same parcels:
--   carried      = the month as carried (billed, else contract price)                     (yuan)
--   best         = the month under the best allocation (each parcel with its cheapest eligible
--                  courier; no capacity limits)                                           (yuan)
--   saving       = carried - best; above_contract + reallocation = saving where the parcel's own
--                  card prices it (own_priced parcels)                                     (yuan)
--   moved        = priced parcels whose best courier or product is another
-- And the parcels not priced (any other status), with what they cost where known
-- (not_priced_carried): they are in no total above, neither as a cost nor as a saving.
with

parcels as (
    select
        *,
        status = 'priced' as priced,
        coalesce(province, '(unknown)') as province_label
    from carrier_choice
),

grouped as (
    select
        case when grouping(warehouse) = 0 then 'warehouse'
             when grouping(province_label) = 0 then 'province'
             when grouping(carrier) = 0 then 'move'
             else 'total' end as level,
        warehouse,
        province_label as province,
        carrier,
        service,
        case when priced then best_carrier end as best_carrier,
        case when priced then best_service end as best_service,
        count(*) as parcels,
        count(*) filter (where priced) as priced_parcels,
        count(*) filter (where priced and moved) as moved,
        cast(sum(carried) filter (where priced) as double) as carried,           -- yuan
        cast(sum(best_price) filter (where priced) as double) as best,           -- yuan
        cast(sum(saving) filter (where priced) as double) as saving,             -- yuan
        count(own_price) filter (where priced) as own_priced,
        cast(sum(above_contract) filter (where priced) as double) as above_contract,  -- yuan
        cast(sum(reallocation) filter (where priced) as double) as reallocation,      -- yuan
        count(*) filter (where not priced) as not_priced,
        cast(sum(carried) filter (where not priced) as double) as not_priced_carried  -- yuan
    from parcels
    group by grouping sets ((), (warehouse), (province_label),
                            (carrier, service, case when priced then best_carrier end,
                             case when priced then best_service end))
),

final as (
    select *
    from grouped
    -- a move row is about priced parcels; the not-priced ones are counted at the other levels
    where not (level = 'move' and best_carrier is null)
)

select
    level, warehouse,
    case when level = 'province' then province end as province,
    case when level = 'move' then carrier end as carrier,
    case when level = 'move' then service end as service,
    best_carrier, best_service,
    parcels, priced_parcels, moved, carried, best, saving, own_priced, above_contract,
    reallocation, not_priced, not_priced_carried
from final
order by level, saving desc nulls last, province = '(unknown)', warehouse, province, carrier,
         service, best_carrier, best_service
