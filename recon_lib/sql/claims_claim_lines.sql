-- The period's lost and damaged parcel claims (recon 'claims'), one row per parcel, for the
-- couriers' claims workbooks (recon_lib/report/claims.py): the waybill, what happened and
-- when, the contract's rule and its figures, what it owes, what was received and the amount
-- still claimed (the finding's amount; NULL when the rule's basis is not known). Read from the
-- findings' details, so the workbook shows the figures the findings were made with.
with

found as (
    select reason_code, key, amount, details
    from discrepancies
    where period = $period and recon = 'claims'
),

final as (
    select
        json_extract_string(details, '$.carrier') as carrier,
        reason_code,
        key,
        key as waybill_no,
        json_extract_string(details, '$.incident') as incident,
        cast(json_extract_string(details, '$.incident_time') as timestamp) as incident_time,
        cast(json_extract(details, '$.insured') as boolean) as insured,
        cast(json_extract(details, '$.declared_value') as decimal(18,2)) as declared_value,
        json_extract_string(details, '$.basis') as basis,
        cast(json_extract(details, '$.multiple') as decimal(10,4)) as multiple,
        cast(json_extract(details, '$.freight') as decimal(18,2)) as freight,          -- yuan
        cast(json_extract(details, '$.goods_value') as decimal(18,2)) as goods_value,  -- yuan
        cast(json_extract(details, '$.cap') as decimal(18,2)) as cap,                  -- yuan
        cast(json_extract(details, '$.owed') as decimal(18,2)) as owed,                -- yuan
        cast(json_extract(details, '$.received') as decimal(18,2)) as received,        -- yuan
        cast(cast(json_extract_string(details, '$.due') as timestamp) - interval 1 day
             as date) as claim_due,                                  -- the deadline's last day
        json_extract_string(details, '$.credit_lines') as credit_lines,
        json_extract_string(details, '$.bank_txns') as bank_txns,
        amount
    from found
)

select * from final
order by carrier, reason_code, key
