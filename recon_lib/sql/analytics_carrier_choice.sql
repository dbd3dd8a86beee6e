-- Carrier choice, step 3: per parcel of carrier_choice_parcels, the cheapest eligible courier
-- (carrier_choice_options) against what the parcel cost as carried.
--   own_price    = the price under its own courier's card for its own product (carrier and
--                  service as shipped): what the contract says it should cost           (yuan)
--   carried      = what the parcel cost as carried: the billed freight and surcharges where a
--                  freight line bills it, else own_price (carried_from 'bill' / 'contract') (yuan)
--   best_*       = the eligible option with the lowest price (ties: carrier, then service, in
--                  alphabetical order, so a run always gives the same answer)
--   saving       = carried - best_price; negative when the parcel's courier fails a constraint
--                  and the cheapest eligible one costs more                                (yuan)
--   above_contract = carried - own_price (billed above the contract: the freight audit's claims)
--   reallocation = own_price - best_price (what choosing the courier saves at contract prices);
--                  saving = above_contract + reallocation where own_price is known       (yuan)
--   moved        = the best option is another courier or product than the parcel went with
-- status: 'priced', or why the parcel is not priced and counts in no total (never as 0 cost or
-- 0 saving), the first that holds: no_weight (no card can weigh it), no_province, no_card (no
-- card covers its province on its ship date), no_cost (not billed and its own card does not
-- price it: what it cost is not known), no_eligible (no courier that prices it meets the
-- constraints).
create or replace temp table carrier_choice as
with

options as (   -- one pass over the options: the parcel's own price and its cheapest eligible
    select
        tracking_no,
        count(*) as cards,
        count(price) as priced_options,
        count(*) filter (where eligible) as eligible_options,
        any_value(price) filter (where own) as own_price,                        -- yuan
        arg_min({'carrier': carrier, 'service': service, 'price': price},
                {'price': price, 'carrier': carrier, 'service': service})
            filter (where eligible) as best
    from carrier_choice_options
    group by tracking_no
),

joined as (
    select
        p.*,
        o.own_price,
        coalesce(p.billed, o.own_price) as carried,                              -- yuan
        case when p.billed is not null then 'bill'
             when o.own_price is not null then 'contract' end as carried_from,
        o.best.carrier as best_carrier,
        o.best.service as best_service,
        o.best.price as best_price,                                              -- yuan
        coalesce(o.cards, 0) as cards,
        coalesce(o.priced_options, 0) as priced_options,
        coalesce(o.eligible_options, 0) as eligible_options
    from carrier_choice_parcels as p
    left join options as o on o.tracking_no = p.tracking_no
),

final as (
    select
        *,
        case when weight_kg is null then 'no_weight'
             when province is null then 'no_province'
             when cards = 0 then 'no_card'
             when carried is null then 'no_cost'
             when best_price is null then 'no_eligible'
             else 'priced' end as status,
        best_carrier is not null
            and (best_carrier <> carrier or best_service is distinct from service) as moved,
        carried - best_price as saving,                                          -- yuan
        carried - own_price as above_contract,                                   -- yuan
        own_price - best_price as reallocation                                   -- yuan
    from joined
)

select * from final
