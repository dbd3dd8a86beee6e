-- Right side of the freight audit: our parcels that left in the period, with the weight the
-- contract lets the courier charge and the fee the rate card in effect on the ship date gives.
--   chargeable weight = max(actual, L x W x H / divisor), rounded UP to the card's step
--   (a second step above the card's threshold); fee = first weight + additional steps;
--   payable = fee - contract discount (rounded half up to the cent).
-- The pricing is the shared rule of create_macros_pricing.sql (card_chargeable_g, card_fee,
-- card_payable), which the carrier choice prices with too: weights are computed in grams x
-- divisor as integers, so the rounding is exact. A parcel
-- without a weight, or without a rate card for its carrier, service and destination on its ship
-- day (has_rate false), has no chargeable weight and no fee: NULL, never 0 (the checks that need
-- them are not made on it; see freight_uncheckable.sql).
--
-- One row per waybill: a waybill on several shipment rows (two orders in one parcel) is the one
-- parcel of the macro one_shipment_per_waybill (create_macros_shared.sql).
--
-- bill_due: when the parcel must be on a bill. A parcel belongs to the courier's billing cycle
-- ($bill_cycle: 'month', 'week' or 'day') that holds its ship day + $grace_days (a parcel that
-- leaves on a cycle's last evening is picked up, and billed, in the next cycle); it is due when
-- that cycle has ended plus $lag_days (the days the courier takes to send the bill). A parcel
-- is "unbilled" only in the run whose period holds its bill_due (period_start < bill_due <=
-- period_end), so each parcel is judged once, and never before its bill could exist.
create or replace temp table freight_parcels as
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($grace_days as integer) as grace_days,
        cast($lag_days as integer) as lag_days,
        cast($bill_cycle as varchar) as bill_cycle
),

due as (
    select
        s.*,
        case pr.bill_cycle
            when 'day' then cast(cast(s.ship_time as date) + pr.grace_days + 1 as timestamp)
            when 'week' then cast(date_trunc('week', cast(s.ship_time as date) + pr.grace_days)
                                  as timestamp) + interval 7 day
            else cast(date_trunc('month', cast(s.ship_time as date) + pr.grace_days)
                      as timestamp) + interval 1 month
        end + pr.lag_days * interval 1 day as bill_due
    from one_shipment_per_waybill() as s, params as pr
),

flagged as (
    select
        s.*,
        s.ship_time >= pr.p_start and s.ship_time < pr.p_end as in_period,
        s.ship_time < pr.p_start
            and s.tracking_no in (select waybill_no from courier_bill_lines
                                  where bill_date >= cast(pr.p_start as date)
                                    and bill_date < cast(pr.p_end as date)) as billed_now,
        s.ship_time < pr.p_end
            and s.bill_due > pr.p_start and s.bill_due <= pr.p_end as bill_due_in_period
    from due as s, params as pr
),

parcels as (   -- shipped in the period, earlier parcels that this period's bills charge for,
               -- and earlier parcels whose bill is due in the period
    select
        tracking_no,
        shipment_id,
        carrier,
        service,
        ship_time,
        weight_kg,
        declared_value,
        nullif(short_province(dest_province), '') as dest_province,
        parcel_volume_cm3(length_cm, width_cm, height_cm) as volume_cm3,
        in_period,
        bill_due,
        bill_due_in_period,
        in_period or billed_now as matchable   -- the engine's side: see freight_parcels_matchable
    from flagged
    where in_period or billed_now or bill_due_in_period
),

carded as (
    select
        p.*,
        rc.first_weight_kg, rc.first_price, rc.additional_unit_kg, rc.additional_price,
        rc.discount_rate, rc.remote,
        card_chargeable_g(p.weight_kg, p.volume_cm3, rc.volumetric_divisor, rc.rounding_unit_kg,
                          rc.rounding_threshold_kg, rc.rounding_unit_above_kg) as chargeable_g
    from parcels as p
    left join rate_cards as rc
      on rc.carrier = p.carrier and rc.service = p.service and rc.dest_province = p.dest_province
     and cast(p.ship_time as date) >= rc.effective_from
     and (rc.effective_to is null or cast(p.ship_time as date) <= rc.effective_to)
),

priced as (
    select
        *,
        card_fee(chargeable_g, first_weight_kg, first_price, additional_unit_kg,
                 additional_price) as fee
    from carded
),

final as (
    select
        tracking_no, shipment_id, carrier, service, ship_time, dest_province, declared_value,
        weight_kg, remote, in_period, bill_due, bill_due_in_period, matchable,
        cast(chargeable_g / 1000.0 as decimal(12,3)) as chargeable_kg,
        fee as expected_fee,                                             -- yuan
        card_payable(fee, discount_rate) as payable,                      -- yuan, expected
        first_price is not null as has_rate
    from priced
)

select * from final
