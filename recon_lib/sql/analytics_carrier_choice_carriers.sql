-- Carrier choice: each courier and product with a card in the period (carrier_choice_options),
-- its service rates and whether it meets the constraints, and the parcels it carried and
-- would carry under the best allocation.
--   on_time_rate, damage_rate = the carrier scorecard's (carrier rows)                 (share)
--   eligible     = meets both constraints (why_not NULL on a priced option)
--   why_not      = the constraint it fails (on_time, damage, or no record to judge it)
--   provinces    = provinces its cards cover for the period's parcels
--   priced       = parcels its cards price; carried_parcels = priced parcels it carried;
--                  best_parcels = priced parcels it is the cheapest eligible courier for
with

options as (
    select
        carrier, service,
        any_value(on_time_rate) as on_time_rate,
        any_value(damage_rate) as damage_rate,
        -- the constraint verdict is the courier's, the same on every priced option
        any_value(why_not) filter (where why_not <> 'not_priced') as why_not,
        bool_or(eligible) as any_eligible,
        count(price) as priced,
        count(distinct province) as provinces
    from carrier_choice_options
    group by carrier, service
),

carried as (
    select carrier, service, count(*) as carried_parcels
    from carrier_choice where status = 'priced'
    group by carrier, service
),

best as (
    select best_carrier as carrier, best_service as service, count(*) as best_parcels
    from carrier_choice where status = 'priced'
    group by best_carrier, best_service
),

final as (
    select
        o.carrier, o.service, o.on_time_rate, o.damage_rate,
        o.why_not is null and o.any_eligible as eligible,
        o.why_not,
        o.provinces,
        o.priced,
        coalesce(k.carried_parcels, 0) as carried_parcels,
        coalesce(b.best_parcels, 0) as best_parcels
    from options as o
    left join carried as k on k.carrier = o.carrier and k.service = o.service
    left join best as b on b.carrier = o.carrier and b.service = o.service
)

select * from final
order by carrier, service
