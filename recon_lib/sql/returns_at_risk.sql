-- Money refunded for goods not received, aged by days since the refund at the period's end,
-- across every period still on record (what is lost until the goods come back).
with

open_items as (
    select d.key, d.amount,
           cast(json_extract_string(d.details, '$.days_since_refund') as integer) as age_days
    from discrepancies as d
    where d.recon = 'returns' and d.reason_code = 'RET_REFUND_NOT_RECEIVED' and d.period = $period
),

final as (
    select
        case when age_days <= 14 then '0-14 days'
             when age_days <= 30 then '15-30 days'
             when age_days <= 60 then '31-60 days'
             else 'over 60 days' end as age,
        count(*) as returns,
        sum(amount) as amount,     -- yuan
        min(age_days) as youngest
    from open_items
    group by 1
)

select age, returns, amount from final
order by youngest
