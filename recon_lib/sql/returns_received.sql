-- Right side of the returns match: warehouse receipts up to the period's end, linked to their
-- return by return id, else by the return parcel's waybill. Receipts of returns judged now, and
-- receipts that no return claims, received in the period.
-- A waybill may carry several returns (two orders sent back in one parcel): a receipt line
-- naming no return goes to one of them, never to each, so its units count once: the return
-- that asked for its SKU, then the earliest requested, then the smallest return id.
create or replace temp table returns_received as
with

linked as (
    select
        rc.receipt_id || '|' || rc.sku as receipt_line_id,
        rc.receipt_id,
        coalesce(rc.return_id, rq.return_id) as return_id,
        rc.sku,
        rc.qty,
        rc.condition,
        rc.received_at,
        rc.tracking_no
    from return_receipts as rc
    left join return_requests as rq
      on rc.return_id is null and rq.return_tracking_no = rc.tracking_no
    where rc.received_at < cast($period_end as timestamp)
    qualify row_number() over (partition by rc.receipt_id, rc.sku
                               order by rq.sku is not distinct from rc.sku desc,
                                        rq.requested_at, rq.return_id) = 1
),

final as (
    select l.*
    from linked as l
    where l.return_id in (select return_id from returns_due)
       or ((l.return_id is null or l.return_id not in (select return_id from return_requests))
           and l.received_at >= cast($period_start as timestamp))
)

select * from final
