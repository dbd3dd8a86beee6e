-- Freight billed and billing quality per carrier for a period: what the bills charged (every fee
-- type), what can be claimed back, what to accrue, and the share of bill lines billed correctly.
-- Cost per parcel and per kg are not here: they have one definition, the carrier scorecard's
-- (analytics_carrier_scorecard.sql), which results.freight_by_carrier adds. A finding's courier
-- comes from the macro freight_findings_by_carrier (create_results.sql); a courier with findings
-- but no bill line in the period (its whole bill is late) still has a row.
with

lines as (
    select b.carrier, b.waybill_no, b.fee_type, b.payable, b.billed_weight_kg
    from courier_bill_lines as b
    where b.bill_date >= cast($period_start as date) and b.bill_date < cast($period_end as date)
),

found as (
    select * from freight_findings_by_carrier($period)
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
        carrier,
        sum(case when reason_code <> 'FRT_UNBILLED' then amount else 0 end) as claimable,
        sum(case when reason_code = 'FRT_UNBILLED' then amount else 0 end) as accrual
    from found
    group by carrier
),

billed as (
    select
        l.carrier,
        count(distinct case when l.fee_type = 'freight' then l.waybill_no end) as parcels,
        sum(l.payable) as billed,                                              -- yuan
        1 - avg(case when l.disputed then 1.0 else 0.0 end) as billing_accuracy -- share of lines
    from by_line as l
    group by l.carrier
),

final as (
    select
        coalesce(b.carrier, m.carrier) as carrier,
        coalesce(b.parcels, 0) as parcels,
        coalesce(b.billed, 0) as billed,                                       -- yuan
        coalesce(m.claimable, 0) as claimable,                                 -- yuan
        coalesce(m.accrual, 0) as accrual,                                     -- yuan
        b.billing_accuracy                                                     -- null: no bill
    from billed as b
    full outer join money as m on m.carrier = b.carrier
)

select * from final
order by carrier
