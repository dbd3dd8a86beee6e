-- Carrier choice, step 1: the parcels of the period (our waybills that left in it, one shipment
-- row per waybill: macro one_shipment_per_waybill), with what the courier billed for each.
--   volume_cm3  = L x W x H, whole cm³ (macro parcel_volume_cm3: a side not measured, no volume)
--   billed      = the payable of the waybill's freight and surcharge lines (fee types freight,
--                 remote, insurance, upstairs) on every bill loaded so far, whatever its date;
--                 NULL when no freight line names the waybill yet (not billed: the carried cost
--                 is then the contract price, see analytics_carrier_choice.sql)      (yuan)
-- A line billed twice or above the contract counts as billed: that is what the month cost; the
-- freight audit claims it back (the report splits the saving into that part and the re-allocation).
-- Return freight, compensation and rebates are not the parcel's price.
create or replace temp table carrier_choice_parcels as
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end
),

shipped as (
    select
        s.tracking_no,
        s.carrier,
        s.service,
        s.warehouse,
        s.ship_time,
        cast(s.ship_time as date) as ship_date,
        s.weight_kg,                                                             -- kg
        s.declared_value,                                                        -- yuan
        nullif(short_province(s.dest_province), '') as province,
        parcel_volume_cm3(s.length_cm, s.width_cm, s.height_cm) as volume_cm3    -- cm³
    from one_shipment_per_waybill() as s, params as p
    where s.ship_time >= p.p_start and s.ship_time < p.p_end
),

billed as (
    select
        b.waybill_no as tracking_no,
        cast(sum(b.payable) as decimal(18,2)) as billed,                         -- yuan
        bool_or(b.fee_type = 'freight') as has_freight_line
    from courier_bill_lines as b
    semi join shipped as s on s.tracking_no = b.waybill_no
    where b.fee_type in ('freight', 'remote', 'insurance', 'upstairs')
    group by b.waybill_no
),

final as (
    select
        s.*,
        case when b.has_freight_line then b.billed end as billed                 -- yuan
    from shipped as s
    left join billed as b on b.tracking_no = s.tracking_no
)

select * from final
