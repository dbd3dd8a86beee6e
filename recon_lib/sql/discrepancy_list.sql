-- Every finding of a period, newest run, for display and export.
with

final as (
    select recon, reason_code, key, order_id, amount, explanation, details, run_id
    from discrepancies
    where period = $period
)

select * from final
order by recon, reason_code, key
