-- Parcels shipped and not billed (FRT_UNBILLED) of a period, for our own books: the freight to
-- accrue until the courier bills it. Internal: it is in exceptions.xlsx, never in a claims
-- workbook sent to a courier.
--   amount = the fee the rate card gives our parcel (NULL when no rate card prices it or the
--            parcel has no weight: the explanation says so)                              (yuan)
with

found as (
    select key as waybill_no, amount, explanation, details,
           nullif(carrier, '(unknown)') as carrier
    from freight_findings_by_carrier($period)
    where reason_code = 'FRT_UNBILLED'
),

parcels as (
    select tracking_no, shipment_id, order_id, service, ship_time, weight_kg, dest_province
    from one_shipment_per_waybill()
    where tracking_no in (select waybill_no from found)
),

final as (
    select
        f.carrier,
        f.waybill_no,
        p.shipment_id,
        p.order_id,
        p.service,
        p.ship_time,
        p.dest_province,
        p.weight_kg,                                                                 -- kg
        f.amount,                                                                    -- yuan
        cast(json_extract_string(f.details, '$.bill_due') as timestamp) - interval 1 second
            as bill_due_by,                    -- the last moment the bill was due
        f.explanation
    from found as f
    left join parcels as p on p.tracking_no = f.waybill_no
)

select * from final
order by carrier, ship_time, waybill_no
