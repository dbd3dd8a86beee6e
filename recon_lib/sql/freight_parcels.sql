-- Right side of the freight audit: our parcels that left in the period, with the weight the
-- contract lets the courier charge and the fee the rate card in effect on the ship date gives.
--   chargeable weight = max(actual, L x W x H / divisor), rounded UP to the card's step
--   (a second step above the card's threshold); fee = first weight + additional steps;
--   payable = fee - contract discount (rounded half up to the cent).
-- Weights are computed in grams x divisor as integers, so the rounding is exact.
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

shipped as (
    select
        s.*,
        cast(s.ship_time as date) + pr.grace_days as billed_day,
        pr.lag_days
    from shipments as s, params as pr
),

due as (
    select
        s.*,
        case (select bill_cycle from params)
            when 'day' then cast(s.billed_day + 1 as timestamp)
            when 'week' then cast(date_trunc('week', s.billed_day) as timestamp)
                             + interval 7 day
            else cast(date_trunc('month', s.billed_day) as timestamp) + interval 1 month
        end + s.lag_days * interval 1 day as bill_due
    from shipped as s
),

parcels as (   -- shipped in the period, earlier parcels that this period's bills charge for,
               -- and earlier parcels whose bill is due in the period
    select
        s.tracking_no,
        s.shipment_id,
        s.carrier,
        s.service,
        s.ship_time,
        s.weight_kg,
        s.declared_value,
        short_province(s.dest_province) as dest_province,
        cast(round(coalesce(s.length_cm * s.width_cm * s.height_cm, 0)) as bigint) as volume_cm3,
        s.ship_time >= pr.p_start as in_period,
        s.bill_due,
        s.bill_due > pr.p_start and s.bill_due <= pr.p_end as bill_due_in_period,
        (s.ship_time >= pr.p_start and s.ship_time < pr.p_end)
            or s.tracking_no in (select waybill_no from courier_bill_lines
                                 where bill_date >= cast(pr.p_start as date)
                                   and bill_date < cast(pr.p_end as date)) as matchable
    from due as s, params as pr
    where (s.ship_time >= pr.p_start and s.ship_time < pr.p_end)
       or (s.ship_time < pr.p_start
           and s.tracking_no in (select waybill_no from courier_bill_lines
                                 where bill_date >= cast(pr.p_start as date)
                                   and bill_date < cast(pr.p_end as date)))
       or (s.ship_time < pr.p_end and s.bill_due > pr.p_start and s.bill_due <= pr.p_end)
),

carded as (
    select
        p.*,
        rc.first_weight_kg, rc.first_price, rc.additional_unit_kg, rc.additional_price,
        rc.discount_rate, rc.remote, rc.volumetric_divisor as divisor,
        greatest(cast(round(p.weight_kg * 1000) as bigint) * rc.volumetric_divisor,
                 p.volume_cm3 * 1000) as raw_g_x_div,
        cast(round(case when rc.rounding_threshold_kg is not null
                         and greatest(p.weight_kg * rc.volumetric_divisor, p.volume_cm3)
                             > rc.rounding_threshold_kg * rc.volumetric_divisor
                        then rc.rounding_unit_above_kg else rc.rounding_unit_kg end * 1000)
             as bigint) as step_g
    from parcels as p
    left join rate_cards as rc
      on rc.carrier = p.carrier and rc.service = p.service and rc.dest_province = p.dest_province
     and cast(p.ship_time as date) >= rc.effective_from
     and (rc.effective_to is null or cast(p.ship_time as date) <= rc.effective_to)
),

weighed as (
    select
        *,
        (raw_g_x_div + step_g * divisor - 1) // (step_g * divisor) * step_g as chargeable_g
    from carded
),

priced as (
    select
        *,
        first_price + greatest(0, (chargeable_g - cast(round(first_weight_kg * 1000) as bigint)
                                   + cast(round(additional_unit_kg * 1000) as bigint) - 1)
                                  // cast(round(additional_unit_kg * 1000) as bigint))
                      * additional_price as fee
    from weighed
),

final as (
    select
        tracking_no, shipment_id, carrier, service, ship_time, dest_province, declared_value,
        weight_kg, remote, in_period, bill_due, bill_due_in_period, matchable,
        cast(chargeable_g / 1000.0 as decimal(12,3)) as chargeable_kg,
        fee as expected_fee,                                             -- yuan
        fee - round(fee * coalesce(discount_rate, 0), 2) as payable,     -- yuan, expected
        first_price is not null as has_rate
    from priced
)

select * from final
