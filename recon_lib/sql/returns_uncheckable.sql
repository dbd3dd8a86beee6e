-- Returns comparisons that could not be made on some returns, because a value they need is
-- missing: counted here, never a finding (see returns_discrepancies.sql). Run after the returns
-- reconciliation of the run, while its staged table returns_legs exists. One row per comparison
-- and missing field, only where rows > 0. rows: returns.
--   RET_REFUND_MISMATCH  a refunded return whose sellable goods came back, but a SKU of them has
--                        no selling price (no order line price, and no refund requested to
--                        derive one from): what the refund should have been is unknown
-- (The run and period parameters are those every <recon>_uncheckable query takes.)
with

params as (
    select
        cast($run_id as varchar) as run_id,
        cast($period as varchar) as period,
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end
),

refund as (
    select count(*) as no_price
    from returns_legs as l
    where l.refunded > 0 and l.sellable_qty > 0 and not l.bad_condition and l.price_missing
),

counted as (
    select 'RET_REFUND_MISMATCH' as reason_code, 'order_lines.unit_price' as field,
           r.no_price as rows,
           'a sellable SKU received has no selling price (no order line price, no refund '
           || 'requested)' as reason
    from refund as r, params as pr
),

final as (
    select
        cast(reason_code as varchar) as reason_code,
        cast(field as varchar) as field,
        cast(rows as bigint) as rows,
        cast(reason as varchar) as reason
    from counted
    where rows > 0
)

select * from final
order by reason_code, field
