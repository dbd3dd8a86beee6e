-- Freight overcharges per carrier for a period, for the alerts: the claims found against each
-- courier and what the courier billed. The claims are the period's freight findings except
-- FRT_UNBILLED (an accrual for parcels not billed yet, not a claim): the same money as "Claims
-- against couriers" in money_at_stake, split by carrier.
--   overcharge = sum of those findings' amounts                                          (yuan)
--   findings   = how many findings
--   billed     = payable of the carrier's bill lines dated in the period, every fee type (yuan)
--   share      = overcharge / billed (NULL without a bill in the period)                (share)
-- Each finding's courier comes from the macro freight_findings_by_carrier (create_results.sql),
-- as in the freight report.
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

claims as (
    select
        carrier,
        count(*) as findings,
        sum(amount) as overcharge                                                 -- yuan
    from freight_findings_by_carrier($period)
    where reason_code <> 'FRT_UNBILLED'
    group by carrier
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
