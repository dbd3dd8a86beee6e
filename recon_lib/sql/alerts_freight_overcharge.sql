-- Freight overcharges per carrier for a period, for the alerts: the claims found against each
-- courier and what the courier billed. The claims are the period's freight findings except
-- FRT_UNBILLED (an accrual for parcels not billed yet, not a claim): the same money as "Claims
-- against couriers" in money_at_stake, split by carrier.
--   overcharge = sum of those findings' amounts                                          (yuan)
--   findings   = how many findings
--   billed     = payable of the carrier's bill lines dated in the period, every fee type (yuan)
--   share      = overcharge / billed (NULL without a bill in the period)                (share)
-- A finding belongs to the carrier its details name (a finding about a whole bill, such as a
-- volume rebate credited short), else to the carrier of its waybill (the key's first part): a
-- bill line's carrier, else our shipment's, else '(unknown)'.
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($period as varchar) as period
),

bill as (
    select b.carrier, sum(b.payable) as billed                                    -- yuan
    from courier_bill_lines as b, params as p
    where b.bill_date >= cast(p.p_start as date) and b.bill_date < cast(p.p_end as date)
    group by b.carrier
),

findings as (
    select
        split_part(d.key, '|', 1) as waybill_no,
        json_extract_string(d.details, '$.carrier') as named_carrier,
        d.amount
    from discrepancies as d, params as p
    where d.period = p.period and d.recon = 'freight' and d.reason_code <> 'FRT_UNBILLED'
),

billed_by as (
    select waybill_no, any_value(carrier) as carrier
    from courier_bill_lines
    group by waybill_no
),

shipped_by as (
    select tracking_no, any_value(carrier) as carrier
    from shipments
    group by tracking_no
),

claims as (
    select
        coalesce(f.named_carrier, b.carrier, s.carrier, '(unknown)') as carrier,
        count(*) as findings,
        sum(f.amount) as overcharge                                               -- yuan
    from findings as f
    left join billed_by as b on b.waybill_no = f.waybill_no
    left join shipped_by as s on s.tracking_no = f.waybill_no
    group by 1
),

final as (
    select
        coalesce(b.carrier, c.carrier) as carrier,
        cast(coalesce(c.overcharge, 0) as double) as overcharge,                  -- yuan
        coalesce(c.findings, 0) as findings,
        cast(b.billed as double) as billed,                                       -- yuan
        cast(coalesce(c.overcharge, 0) as double)
            / nullif(cast(b.billed as double), 0) as share                        -- share
    from bill as b
    full outer join claims as c on c.carrier = b.carrier
)

select * from final
order by carrier
