-- Left side of the freight audit: every bill line dated in the period, with the contract price
-- of what the line claims (its billed weight and destination) for freight lines. A line that
-- names no destination is priced to our parcel's (priced_from 'parcel'); its dest_province
-- stays empty, so the zone check is not made on it. claimed_payable is NULL when the line has
-- no weight, no destination is known, or no rate card prices it (see freight_uncheckable.sql).
-- Our parcel of a waybill is the one of the macro one_shipment_per_waybill.
-- The claimed weight is priced by the shared rule (create_macros_pricing.sql) as a parcel of that
-- weight and no volume: rounded up to the card's step, first weight plus steps, less discount.
create or replace temp table freight_bill as
with

lines as (
    select
        b.source_file || ':' || lpad(cast(b.source_row as varchar), 8, '0') as line_id,
        b.source_file,
        b.source_row,
        b.carrier,
        b.waybill_no,
        b.bill_date,
        b.fee_type,
        nullif(short_province(b.dest_province), '') as dest_province,
        b.dest_province as billed_province,
        b.billed_weight_kg,
        b.amount,
        b.discount,
        b.payable
    from courier_bill_lines as b
    where b.bill_date >= cast($period_start as date)
      and b.bill_date < cast($period_end as date)
),

parcel_of_line as (
    select
        l.*,
        s.service,
        coalesce(l.dest_province, nullif(short_province(s.dest_province), '')) as priced_province,
        case when l.dest_province is not null then 'bill'
             when nullif(short_province(s.dest_province), '') is not null then 'parcel'
        end as priced_from
    from lines as l
    left join one_shipment_per_waybill() as s on s.tracking_no = l.waybill_no
),

carded as (
    select
        l.* exclude (service),
        rc.first_weight_kg, rc.first_price, rc.additional_unit_kg, rc.additional_price,
        rc.discount_rate,
        rc.first_price is not null as has_rate,
        -- the contract's rounding applies to whatever weight the courier claims
        card_chargeable_g(l.billed_weight_kg, 0, rc.volumetric_divisor, rc.rounding_unit_kg,
                          rc.rounding_threshold_kg, rc.rounding_unit_above_kg) as claimed_g
    from parcel_of_line as l
    left join rate_cards as rc
      on rc.carrier = l.carrier and rc.dest_province = l.priced_province
     and rc.service = coalesce(l.service, rc.service)
     and l.bill_date >= rc.effective_from
     and (rc.effective_to is null or l.bill_date <= rc.effective_to)
     and l.fee_type = 'freight'
    -- one price per line even if a card row is ambiguous (a waybill not ours has no service)
    qualify row_number() over (partition by l.line_id order by rc.service) = 1
),

claimed as (
    select
        * exclude (first_weight_kg, first_price, additional_unit_kg, additional_price,
                   claimed_g),
        card_fee(claimed_g, first_weight_kg, first_price, additional_unit_kg, additional_price)
            as claimed_fee
    from carded
),

final as (
    select
        * exclude (discount_rate),
        card_payable(claimed_fee, discount_rate) as claimed_payable
    from claimed
)

select * from final
