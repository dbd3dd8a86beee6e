-- Evidence for the freight findings of a period, one row per finding: what the courier billed
-- next to what we shipped, or for a rebate short of the contract the month's volume, tier, due
-- and credited amounts (from the finding's details). Claims are grouped by carrier for the
-- claims workbooks, each finding once and under the courier the freight report gives it.
with

found as (   -- each finding with its courier, as in the freight report (see the macro)
    select reason_code, key, amount, explanation, waybill_no,
           nullif(carrier, '(unknown)') as carrier,                    -- the UNKNOWN workbook
           case when reason_code = 'FRT_REBATE_SHORT' then details end as rebate
    from freight_findings_by_carrier($period)
),

parcels as (   -- one parcel per waybill (two orders packed in one parcel share its waybill)
    select *
    from one_shipment_per_waybill()
    where tracking_no in (select waybill_no from found)
),

billed as (   -- the freight line of each waybill on the period's bills
    select b.*,
           row_number() over (partition by b.waybill_no order by b.source_file, b.source_row) as n
    from courier_bill_lines as b
    where b.bill_date >= cast($period_start as date) and b.bill_date < cast($period_end as date)
      and b.waybill_no in (select waybill_no from found)
),

final as (
    select
        f.carrier,
        f.reason_code,
        f.waybill_no,
        b.bill_date,
        b.billed_weight_kg,
        s.weight_kg,
        s.length_cm || ' x ' || s.width_cm || ' x ' || s.height_cm as dimensions_cm,
        b.dest_province as billed_province,
        s.dest_province,
        b.payable,
        f.amount,
        f.explanation,
        b.source_file,
        b.source_row,
        json_extract_string(f.rebate, '$.cycle') as rebate_cycle,
        json_extract_string(f.rebate, '$.credit_month') as rebate_credit_month,
        case json_extract_string(f.rebate, '$.basis')
            when 'parcels' then '票数 parcels' when 'freight' then '运费 freight' end as rebate_basis,
        cast(json_extract(f.rebate, '$.parcels') as bigint) as rebate_parcels,
        cast(json_extract(f.rebate, '$.freight') as decimal(18,2)) as rebate_freight,  -- yuan
        json_extract_string(f.rebate, '$.tier') as rebate_tier,
        cast(json_extract(f.rebate, '$.tier_from') as decimal(18,2)) as rebate_tier_from,
        cast(json_extract(f.rebate, '$.rate') as double) as rebate_rate,             -- share
        cast(json_extract(f.rebate, '$.due') as decimal(18,2)) as rebate_due,          -- yuan
        cast(json_extract(f.rebate, '$.credited') as decimal(18,2)) as rebate_credited,
        json_extract_string(f.rebate, '$.credit_lines') as rebate_credit_lines,
        json_extract_string(f.rebate, '$.scheme') as rebate_scheme
    from found as f
    left join billed as b on b.waybill_no = f.waybill_no and b.n = 1
    left join parcels as s on s.tracking_no = f.waybill_no
)

select * from final
order by carrier, reason_code, waybill_no
