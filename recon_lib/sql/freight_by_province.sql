-- Freight cost per parcel and per kg by carrier and destination province, for a period.
with

freight as (
    select b.carrier,
           short_province(b.dest_province) as province,
           b.waybill_no, b.payable, b.billed_weight_kg
    from courier_bill_lines as b
    where b.fee_type = 'freight'
      and b.bill_date >= cast($period_start as date) and b.bill_date < cast($period_end as date)
),

final as (
    select
        carrier,
        province,
        count(distinct waybill_no) as parcels,
        sum(payable) / count(distinct waybill_no) as per_parcel,   -- yuan
        sum(payable) / nullif(sum(billed_weight_kg), 0) as per_kg  -- yuan per kg
    from freight
    group by carrier, province
)

select * from final
order by carrier, parcels desc
