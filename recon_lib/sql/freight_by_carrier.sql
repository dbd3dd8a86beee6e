-- Freight cost and billing quality per carrier for a period: what we paid per parcel and per kg,
-- what can be claimed back, what to accrue, and the share of bill lines billed correctly.
with

lines as (
    select b.carrier, b.waybill_no, b.fee_type, b.payable, b.billed_weight_kg
    from courier_bill_lines as b
    where b.bill_date >= cast($period_start as date) and b.bill_date < cast($period_end as date)
),

found as (   -- a rebate finding names its carrier, not a waybill
    select reason_code, amount,
           case when reason_code <> 'FRT_REBATE_SHORT' then split_part(key, '|', 1)
           end as waybill_no,
           case when reason_code = 'FRT_REBATE_SHORT' then json_extract_string(details, '$.carrier')
           end as rebate_carrier
    from discrepancies
    where period = $period and recon = 'freight'
),

flagged as (   -- waybills with a claim; unbilled parcels are not on the bill
    select distinct waybill_no from found
    where reason_code <> 'FRT_UNBILLED' and waybill_no is not null
),

by_line as (
    select l.*, l.waybill_no in (select waybill_no from flagged) as disputed
    from lines as l
),

money as (
    select
        coalesce(f.rebate_carrier, b.carrier, s.carrier) as carrier,
        sum(case when f.reason_code <> 'FRT_UNBILLED' then f.amount else 0 end) as claimable,
        sum(case when f.reason_code = 'FRT_UNBILLED' then f.amount else 0 end) as accrual
    from found as f
    left join (select distinct carrier, waybill_no from lines) as b on b.waybill_no = f.waybill_no
    left join shipments as s on s.tracking_no = f.waybill_no
    group by 1
),

final as (
    select
        l.carrier,
        count(distinct case when l.fee_type = 'freight' then l.waybill_no end) as parcels,
        sum(l.payable) as billed,                                              -- yuan
        sum(l.payable) / nullif(count(distinct case when l.fee_type = 'freight'
                                                    then l.waybill_no end), 0) as per_parcel,
        sum(l.payable) / nullif(sum(l.billed_weight_kg), 0) as per_kg,         -- yuan per kg
        coalesce(m.claimable, 0) as claimable,
        coalesce(m.accrual, 0) as accrual,
        1 - avg(case when l.disputed then 1.0 else 0.0 end) as billing_accuracy -- share of lines
    from by_line as l
    left join money as m on m.carrier = l.carrier
    group by l.carrier, m.claimable, m.accrual
)

select * from final
order by carrier
