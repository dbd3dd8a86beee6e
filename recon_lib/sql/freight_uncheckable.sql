-- Freight comparisons that could not be made on some lines or parcels, because a value they need
-- is missing there: counted here, never a finding (see freight_discrepancies.sql). Run after the
-- freight reconciliation of the run, while its staged tables (freight_bill, freight_parcels)
-- exist. One row per comparison and missing field, only where rows > 0; a line or parcel is
-- counted once per comparison, under the first missing field in the order listed here.
--   FRT_ZONE_MISMATCH      paired freight lines: the bill's destination, then our parcel's
--   FRT_WEIGHT_OVER        paired freight lines: the billed weight, our parcel's weight, its
--                          destination, its rate card (divisor and rounding make its chargeable
--                          weight)
--   FRT_RATE_OVER          paired freight lines: the billed weight, a destination (the bill's,
--                          else our parcel's), a rate card price for them
--   FRT_INVALID_SURCHARGE  surcharge lines on our parcels: insurance without a declared value,
--                          remote without a rate card (remote or not unknown), upstairs with a
--                          weight limit and no weight
-- Paired lines: the period's freight lines the engine paired with a parcel (neither a duplicate
-- copy nor a waybill not ours). rows: lines (surcharge lines for FRT_INVALID_SURCHARGE).
with

params as (
    select
        cast($run_id as varchar) as run_id,
        cast($period as varchar) as period,
        cast($period_start as date) as p_start,
        cast($period_end as date) as p_end
),

flagged as (   -- lines the engine did not pair: extra copies and waybills not ours
    select r.left_ids[1] as line_id
    from match_results as r, params as pr
    where r.run_id = pr.run_id and r.spec = 'freight' and r.state in ('duplicate', 'missing_right')
),

paired_lines as (
    select b.*
    from freight_bill_freight as b
    where b.line_id not in (select line_id from flagged)
),

pairs as (   -- each paired line with its parcel (keys normalised as the engine does)
    select
        b.line_id, b.dest_province as bill_province, b.billed_weight_kg,
        p.dest_province as parcel_province, p.weight_kg, p.has_rate
    from paired_lines as b
    join freight_parcels_matchable as p
      on upper(trim(p.tracking_no)) = upper(trim(b.waybill_no))
    qualify row_number() over (partition by b.line_id order by p.tracking_no) = 1
),

surcharge_lines as (
    select
        b.fee_type, p.declared_value, p.weight_kg, p.has_rate,
        sc.surcharge is not null as contracted, sc.applies_above_kg
    from freight_bill as b
    join freight_parcels as p on p.tracking_no = b.waybill_no
    left join rate_card_surcharges as sc
      on sc.carrier = b.carrier and sc.surcharge = b.fee_type
     and b.bill_date >= sc.effective_from
     and (sc.effective_to is null or b.bill_date <= sc.effective_to)
    where b.fee_type in ('remote', 'insurance', 'upstairs')
),

zone as (
    select
        count(*) filter (where bill_province is null) as no_bill_province,
        count(*) filter (where bill_province is not null and parcel_province is null)
            as no_parcel_province
    from pairs
),

weight as (
    select
        count(*) filter (where billed_weight_kg is null) as no_billed_weight,
        count(*) filter (where billed_weight_kg is not null and weight_kg is null) as no_weight,
        count(*) filter (where billed_weight_kg is not null and weight_kg is not null
                           and parcel_province is null) as no_province,
        count(*) filter (where billed_weight_kg is not null and weight_kg is not null
                           and parcel_province is not null and not has_rate) as no_card
    from pairs
),

rate as (
    select
        count(*) filter (where billed_weight_kg is null) as no_billed_weight,
        count(*) filter (where billed_weight_kg is not null and priced_province is null)
            as no_province,
        count(*) filter (where billed_weight_kg is not null and priced_province is not null
                           and not has_rate) as no_card
    from paired_lines
),

surcharge as (
    select
        count(*) filter (where fee_type = 'insurance' and declared_value is null) as no_declared,
        count(*) filter (where fee_type = 'remote' and not has_rate) as no_card,
        count(*) filter (where fee_type = 'upstairs' and contracted
                           and applies_above_kg is not null and weight_kg is null) as no_weight
    from surcharge_lines
),

counted as (
    select 'FRT_ZONE_MISMATCH' as reason_code, 'courier_bill_lines.dest_province' as field,
           no_bill_province as rows, 'the bill line names no destination province' as reason
    from zone
    union all
    select 'FRT_ZONE_MISMATCH', 'shipments.dest_province', no_parcel_province,
           'our parcel has no destination province'
    from zone
    union all
    select 'FRT_WEIGHT_OVER', 'courier_bill_lines.billed_weight_kg', no_billed_weight,
           'the bill line has no billed weight'
    from weight
    union all
    select 'FRT_WEIGHT_OVER', 'shipments.weight_kg', no_weight, 'our parcel has no weight'
    from weight
    union all
    select 'FRT_WEIGHT_OVER', 'shipments.dest_province', no_province,
           'our parcel has no destination province, so no rate card gives its chargeable weight'
    from weight
    union all
    select 'FRT_WEIGHT_OVER', 'rate_cards', no_card,
           'no rate card for the carrier, service and destination gives the chargeable weight'
    from weight
    union all
    select 'FRT_RATE_OVER', 'courier_bill_lines.billed_weight_kg', no_billed_weight,
           'the bill line has no billed weight to price'
    from rate
    union all
    select 'FRT_RATE_OVER', 'courier_bill_lines.dest_province', no_province,
           'neither the bill line nor our parcel names a destination province'
    from rate
    union all
    select 'FRT_RATE_OVER', 'rate_cards', no_card,
           'no rate card price for the carrier, zone and weight'
    from rate
    union all
    select 'FRT_INVALID_SURCHARGE', 'shipments.declared_value', no_declared,
           'insurance billed for a parcel with no declared value'
    from surcharge
    union all
    select 'FRT_INVALID_SURCHARGE', 'rate_cards', no_card,
           'remote surcharge for a parcel no rate card prices: whether it went to a remote area '
           || 'is unknown'
    from surcharge
    union all
    select 'FRT_INVALID_SURCHARGE', 'shipments.weight_kg', no_weight,
           'upstairs surcharge with a weight limit for a parcel with no weight'
    from surcharge
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
