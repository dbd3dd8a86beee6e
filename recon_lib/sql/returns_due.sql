-- Left side of the returns match: return requests whose window closes in the period. A return is
-- judged once, when pickup, receipt and refund should all have happened (requested + window).
create or replace temp table returns_due as
with

due as (
    select r.*
    from return_requests as r
    where r.requested_at + $window_days * interval '1' day >= cast($period_start as timestamp)
      and r.requested_at + $window_days * interval '1' day < cast($period_end as timestamp)
),

final as (
    select
        d.return_id || '|' || d.sku as line_id,
        d.return_id,
        d.order_id,
        d.sku,
        d.qty,
        d.requested_refund,
        d.requested_at,
        d.return_tracking_no,
        coalesce(ol.unit_price, d.requested_refund / nullif(d.qty, 0)) as unit_price  -- yuan
    from due as d
    left join (select order_id, sku, max(unit_price) as unit_price
               from order_lines group by order_id, sku) as ol
      on ol.order_id = d.order_id and ol.sku = d.sku
)

select * from final
