-- Carrier choice, step 2: every parcel of carrier_choice_parcels priced under every courier's
-- card (courier and product) that covers its province on its ship date, and whether that
-- courier meets the service constraints. One row per parcel and card; a parcel no card covers
-- has no row. own: the card of the parcel's own courier and product.
--   freight     = the card's payable for the parcel: the one pricing rule of
--                 create_macros_pricing.sql (chargeable weight, first + additional steps, less
--                 the contract discount), the same the freight audit expects          (yuan)
--   surcharges  = the courier's contracted surcharges whose condition holds for the parcel
--                 (macro surcharge_applies: remote province on this card, a declared value,
--                 heavier than an upstairs weight limit), each at surcharge_amount      (yuan)
--   price       = freight + surcharges; NULL when not known (no weight; a share-of-value
--                 surcharge without a declared value), never 0                           (yuan)
--   on_time_rate, damage_rate = the courier's rates over all its parcels of the period from
--                 the carrier scorecard (analytics_carrier_scorecard.sql, carrier rows), passed in
--                 as $carriers / $on_time_rates / $damage_rates; NULL when the courier has no
--                 parcel of the period or no tracking to judge it                       (share)
--   eligible    = priced, and on_time_rate >= $min_on_time and damage_rate <= $max_damage. A
--                 rate not known fails its constraint (it cannot be shown to hold), unless the
--                 constraint is off ($min_on_time = 0, $max_damage = 1).
--   why_not     = the first reason an option is not eligible: not_priced, no_on_time_record,
--                 on_time, no_damage_record, damage; NULL when eligible.
create or replace temp table carrier_choice_options as
with

params as (
    select
        cast($min_on_time as double) as min_on_time,
        cast($max_damage as double) as max_damage
),

service_rates as (   -- the scorecard's carrier rows
    select
        unnest(cast($carriers as varchar[])) as carrier,
        unnest(cast($on_time_rates as double[])) as on_time_rate,                -- share
        unnest(cast($damage_rates as double[])) as damage_rate                   -- share
),

carded as (
    select
        p.tracking_no,
        p.province,
        p.weight_kg,
        p.declared_value,
        p.ship_date,
        rc.carrier,
        rc.service,
        rc.carrier = p.carrier and rc.service = p.service as own,   -- the parcel's own card
        rc.remote,
        card_payable(
            card_fee(card_chargeable_g(p.weight_kg, p.volume_cm3, rc.volumetric_divisor,
                                       rc.rounding_unit_kg, rc.rounding_threshold_kg,
                                       rc.rounding_unit_above_kg),
                     rc.first_weight_kg, rc.first_price, rc.additional_unit_kg,
                     rc.additional_price),
            rc.discount_rate) as freight                                         -- yuan
    from carrier_choice_parcels as p
    join rate_cards as rc
      on rc.dest_province = p.province
     and p.ship_date >= rc.effective_from
     and (rc.effective_to is null or p.ship_date <= rc.effective_to)
),

surcharge_terms as (   -- the contracted surcharges, each row with its effective range
    select carrier, surcharge, basis, rate, min_amount, applies_above_kg, effective_from,
           effective_to
    from rate_card_surcharges
),

surcharged as (   -- the surcharges that apply: few parcels each, so the join stays small
    select
        c.tracking_no, c.carrier, c.service,
        sum(surcharge_amount(t.basis, t.rate, t.min_amount, c.declared_value)) as surcharges,
        count(*) - count(surcharge_amount(t.basis, t.rate, t.min_amount, c.declared_value))
            as unknown_surcharges
    from carded as c
    join surcharge_terms as t
      on t.carrier = c.carrier
     and c.ship_date >= t.effective_from
     and (t.effective_to is null or c.ship_date <= t.effective_to)
     and surcharge_applies(t.surcharge, c.remote, c.declared_value, c.weight_kg,
                           t.applies_above_kg)
    group by c.tracking_no, c.carrier, c.service
),

priced as (
    select
        c.tracking_no,
        c.province,
        c.carrier,
        c.service,
        c.own,
        c.freight,                                                               -- yuan
        coalesce(s.surcharges, 0) as surcharges,                                 -- yuan
        case when coalesce(s.unknown_surcharges, 0) = 0
             then c.freight + coalesce(s.surcharges, 0) end as price,            -- yuan
        r.on_time_rate,
        r.damage_rate
    from carded as c
    left join surcharged as s
      on s.tracking_no = c.tracking_no and s.carrier = c.carrier and s.service = c.service
    left join service_rates as r on r.carrier = c.carrier
),

judged as (
    select
        o.*,
        case when o.price is null then 'not_priced'
             when p.min_on_time > 0 and o.on_time_rate is null then 'no_on_time_record'
             when p.min_on_time > 0 and o.on_time_rate < p.min_on_time then 'on_time'
             when p.max_damage < 1 and o.damage_rate is null then 'no_damage_record'
             when p.max_damage < 1 and o.damage_rate > p.max_damage then 'damage'
        end as why_not
    from priced as o, params as p
),

final as (
    select *, why_not is null as eligible
    from judged
)

select * from final
