-- Lost and damaged parcels the claims checks could not judge (claims_discrepancies.sql), counted,
-- never a finding. Run after claims_incidents in the same run.
--   CLM_NOT_COMPENSATED  incidents of the period whose courier has no compensation rule for the
--                        incident on its day: no deadline, no amount
--   CLM_SHORT, CLM_INSURED_SHORT
--                        incidents judged in the period, paid something, whose owed is unknown:
--                        no freight line, a SKU without an order price, an insured parcel
--                        without a declared value
with

params as (   -- (coverage.unchecked_rows offers $period too, with the bounds)
    select cast($period as varchar) as period, cast($period_start as timestamp) as p_start,
           cast($period_end as timestamp) as p_end
),

counted as (
    select 'CLM_NOT_COMPENSATED' as reason_code, 'compensation_rules' as field,
           count(*) as rows,
           'no compensation rule for the courier, incident and insurance on the incident''s day'
               as reason
    from claims_incidents as i, params as pr
    where not i.has_rule and i.incident_time >= pr.p_start
    union all
    select case when insured then 'CLM_INSURED_SHORT' else 'CLM_SHORT' end,
           case when insured and declared_value is null then 'shipments.declared_value'
                when basis = 'freight_multiple' then 'courier_bill_lines'
                when basis = 'goods_value' then 'order_lines.unit_price'
                else 'shipments.declared_value' end,
           count(*),
           'compensation received, but what the rule owes is unknown: '
           || case when insured and declared_value is null then 'insured without a declared value'
                   when basis = 'freight_multiple' then 'no freight line billed'
                   when basis = 'goods_value' then 'a packed SKU has no order price'
                   else 'no declared value' end
    from claims_incidents
    where judged and has_rule and paid_any and owed is null
    group by all
)

select * from counted where rows > 0
