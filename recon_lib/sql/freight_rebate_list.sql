-- The rebate cycles judged in a period, expected against credited per carrier: read after
-- freight_rebates has built its table for the period's bounds.
with

final as (
    select cycle, cycle_last_day, credit_month, carrier, service, basis, parcels, freight, tier,
           tier_from, rate, due, credited, difference, explanation
    from freight_rebates
)

select * from final
order by cycle, carrier
