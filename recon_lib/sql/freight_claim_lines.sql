-- The claims against couriers of a period, one row per claimed bill line, for the claims
-- workbooks a finance lead sends to each courier: the line's own bill file and row (its
-- lineage, source_file / source_row), what the line billed, what we owe for it by our parcel
-- and the contract, and the amount claimed. A volume rebate short of the contract is a row per
-- courier and month instead (its figures from the finding's details). A parcel shipped and not
-- billed (FRT_UNBILLED) is a row too, without a bill line: it is no claim but an accrual, which
-- the claims workbooks leave out (our books have it: freight_accruals.sql, exceptions.xlsx).
--
-- Reads the temp tables the freight reconciliation builds (freight_bill: the period's bill lines
-- with the contract price of what each claims; freight_parcels: our parcels with their
-- chargeable weight and price); recon_lib.report.claims builds them again for the period first.
--
-- Which line a finding claims (the lines of a key are one finding; each is a row here):
--   FRT_DUPLICATE          every copy after the first of the waybill's freight line (copies
--                          numbered by line as the match engine numbers them); the first copy's
--                          row is named in first_file / first_row
--   FRT_PHANTOM, FRT_WEIGHT_OVER, FRT_ZONE_MISMATCH
--                          the waybill's first freight line (the one the engine paired)
--   FRT_RATE_OVER, FRT_INVALID_SURCHARGE, FRT_RETURN_NO_REQUEST
--                          the line(s) in the finding's details (a surcharge: the surcharge's
--                          own line, not the freight line's)
-- owed: what we owe for the line by the contract: the contract price of the billed weight and
-- zone (rate), of our chargeable weight and our parcel's destination (weight, zone), nothing
-- (a copy, a waybill not ours, a surcharge that does not apply, return freight without a
-- return). price_billed / price_ours are shown for the rate, weight and zone claims only.
-- claimed: the finding's amount when it has one line, else that line's share by the rule
-- (the payable of a copy, a surcharge or a phantom line; payable - contract price of a
-- rate, weight or zone overcharge): the lines of a finding add up to its amount.
with

found as (   -- each finding with its courier, as in the freight report (see the macro)
    select
        reason_code, key, amount, details,
        nullif(carrier, '(unknown)') as carrier,                        -- the UNKNOWN workbook
        -- the waybill: a duplicate's and a surcharge's key is '<waybill>|<fee type>', and a
        -- waybill may hold a '|' of its own
        case when reason_code in ('FRT_DUPLICATE', 'FRT_INVALID_SURCHARGE')
             then regexp_extract(key, '^(.*)\|[^|]*$', 1) else key end as waybill_no
    from freight_findings_by_carrier($period)
),

lines as (   -- the period's bill lines, numbered per waybill (as the engine keys it) and fee
    select
        b.*,
        upper(trim(b.waybill_no)) as waybill_key,
        row_number() over w as copy_no,
        first_value(b.source_file) over w as first_file,
        first_value(b.source_row) over w as first_row
    from freight_bill as b
    window w as (partition by upper(trim(b.waybill_no)), b.fee_type order by b.line_id)
),

named_lines as (   -- findings whose details name their line(s): one object, or a list of them
    select f.key, f.reason_code, unnest(
        case when json_type(f.details) = 'ARRAY' then json_extract_string(f.details, '$[*].line')
             else [json_extract_string(f.details, '$.line')] end) as line_id
    from found as f
    where f.reason_code in ('FRT_RATE_OVER', 'FRT_INVALID_SURCHARGE', 'FRT_RETURN_NO_REQUEST')
),

claimed_lines as (
    select f.key, f.reason_code, l.line_id
    from found as f
    join lines as l
      on l.waybill_key = upper(trim(f.waybill_no)) and l.fee_type = 'freight'
     and ((f.reason_code = 'FRT_DUPLICATE' and l.copy_no > 1)
          or (f.reason_code in ('FRT_PHANTOM', 'FRT_WEIGHT_OVER', 'FRT_ZONE_MISMATCH')
              and l.copy_no = 1))
    union all
    select key, reason_code, line_id from named_lines
),

per_line as (
    select
        f.carrier,
        f.reason_code,
        f.key,
        coalesce(l.waybill_no, f.waybill_no) as waybill_no,
        l.source_file,
        l.source_row,
        l.bill_date,
        l.fee_type,
        l.billed_weight_kg,                                                          -- kg
        l.billed_province,
        l.payable as billed,                                                         -- yuan
        l.claimed_payable as price_billed,     -- contract price of the billed kg and zone
        case when f.reason_code = 'FRT_DUPLICATE' then l.first_file end as first_file,
        case when f.reason_code = 'FRT_DUPLICATE' then l.first_row end as first_row,
        p.chargeable_kg,                       -- ours: max(actual, volumetric), rounded  (kg)
        p.weight_kg,                                                                 -- kg
        p.dest_province,
        p.declared_value,
        case when p.tracking_no is not null and l.fee_type = 'freight' then p.payable end
            as price_ours,                     -- contract price of our kg and zone     (yuan)
        count(c.line_id) over (partition by f.reason_code, f.key) as finding_lines,
        f.amount as finding_amount,
        case f.reason_code
            when 'FRT_RATE_OVER' then l.payable - l.claimed_payable
            when 'FRT_WEIGHT_OVER' then l.payable - p.payable
            when 'FRT_ZONE_MISMATCH' then l.payable - p.payable
            else l.payable
        end as line_amount,
        f.details
    from found as f
    left join claimed_lines as c on c.key = f.key and c.reason_code = f.reason_code
    left join lines as l on l.line_id = c.line_id
    left join freight_parcels as p on p.tracking_no = coalesce(l.waybill_no, f.waybill_no)
),

shipped as (   -- the parcel's size as we measured it
    select tracking_no,
           printf('%g x %g x %g', cast(length_cm as double), cast(width_cm as double),
                  cast(height_cm as double)) as dimensions_cm
    from one_shipment_per_waybill()
    where tracking_no in (select waybill_no from per_line)
),

final as (
    select
        l.carrier,
        l.reason_code,
        l.key,
        l.waybill_no,
        l.source_file,
        l.source_row,
        l.bill_date,
        l.fee_type,
        l.billed_weight_kg,
        l.chargeable_kg,
        l.weight_kg,
        s.dimensions_cm,
        l.billed_province,
        l.dest_province,
        l.declared_value,
        l.billed,
        case when l.reason_code in ('FRT_RATE_OVER', 'FRT_WEIGHT_OVER', 'FRT_ZONE_MISMATCH')
             then l.price_billed end as price_billed,
        case when l.reason_code in ('FRT_WEIGHT_OVER', 'FRT_ZONE_MISMATCH')
             then l.price_ours end as price_ours,
        case when l.reason_code = 'FRT_RATE_OVER' then l.price_billed
             when l.reason_code in ('FRT_WEIGHT_OVER', 'FRT_ZONE_MISMATCH') then l.price_ours
             when l.source_row is not null then 0
        end as owed,                           -- what we owe for the line          (yuan)
        case when l.finding_lines <= 1 then l.finding_amount else l.line_amount end as amount,
        l.first_file,
        l.first_row,
        json_extract_string(l.details, '$.cycle') as rebate_cycle,
        json_extract_string(l.details, '$.credit_month') as rebate_credit_month,
        case json_extract_string(l.details, '$.basis')
            when 'parcels' then '票数' when 'freight' then '运费' end as rebate_basis,
        cast(json_extract(l.details, '$.parcels') as bigint) as rebate_parcels,
        cast(json_extract(l.details, '$.freight') as decimal(18,2)) as rebate_freight, -- yuan
        json_extract_string(l.details, '$.tier') as rebate_tier,
        cast(json_extract(l.details, '$.tier_from') as decimal(18,2)) as rebate_tier_from,
        cast(json_extract(l.details, '$.rate') as double) as rebate_rate,              -- share
        cast(json_extract(l.details, '$.due') as decimal(18,2)) as rebate_due,          -- yuan
        cast(json_extract(l.details, '$.credited') as decimal(18,2)) as rebate_credited,
        json_extract_string(l.details, '$.credit_lines') as rebate_credit_lines,
        json_extract_string(l.details, '$.scheme') as rebate_scheme
    from per_line as l
    left join shipped as s on s.tracking_no = l.waybill_no
)

select * from final
order by carrier, reason_code, source_file, source_row, key
