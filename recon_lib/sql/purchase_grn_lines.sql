-- Goods receipts up to the period's end, each once, in the order they arrived, with the units
-- received and accepted so far against their PO and SKU (partial deliveries add up).
create or replace temp table purchase_grn_lines as
with

receipts as (
    select * from goods_receipts
    where received_at < cast($period_end as timestamp)
    qualify row_number() over (partition by grn_no, sku order by period desc) = 1
),

final as (
    select
        r.grn_no, r.po_no, r.supplier, r.sku, r.warehouse, r.received_at,
        r.qty_received,
        coalesce(r.qty_accepted, r.qty_received) as qty_accepted,
        sum(r.qty_received) over w as received_so_far,
        sum(coalesce(r.qty_accepted, r.qty_received)) over w as accepted_so_far
    from receipts as r
    window w as (partition by r.po_no, r.sku order by r.received_at, r.grn_no
                 rows between unbounded preceding and current row)
)

select * from final
