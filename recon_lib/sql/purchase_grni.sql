-- The GRNI accrual (已入库未开票) at the period's end, per supplier: goods accepted against a PO
-- and not invoiced yet, at the PO price (yuan, before tax), aged by the days since their receipt.
-- Invoices are set against a PO line's receipts first in, first out, so the units left
-- uninvoiced are the latest received. Documents each once, as the period's end knew them.
with

params as (
    select cast($period_end as timestamp) as p_end
),

po_lines as (
    select l.po_no, l.sku, max(l.unit_price) as unit_price
    from (select * from purchase_order_lines
          qualify row_number() over (partition by po_no, line_no order by period desc) = 1) as l
    group by l.po_no, l.sku
),

receipts as (
    select g.grn_no, g.po_no, g.supplier, g.sku, g.received_at,
           coalesce(g.qty_accepted, g.qty_received) as accepted,
           sum(coalesce(g.qty_accepted, g.qty_received)) over (
               partition by g.po_no, g.sku order by g.received_at, g.grn_no
               rows between unbounded preceding and current row) as accepted_so_far
    from (select * from goods_receipts
          qualify row_number() over (partition by grn_no, sku order by period desc) = 1) as g,
         params as pr
    where g.received_at < pr.p_end and g.po_no is not null
),

invoiced as (
    select coalesce(l.po_no, h.po_no) as po_no, l.sku, sum(l.qty) as invoiced
    from (select * from supplier_invoice_lines
          qualify row_number() over (partition by supplier, invoice_no, line_no
                                     order by period desc) = 1) as l
    join (select * from supplier_invoices
          qualify row_number() over (partition by supplier, invoice_no order by period desc) = 1)
        as h on h.supplier = l.supplier and h.invoice_no = l.invoice_no,
         params as pr
    where h.invoice_date < cast(pr.p_end as date)
    group by 1, 2
),

open_units as (
    select r.*, p.unit_price,
           greatest(0, least(r.accepted, r.accepted_so_far - coalesce(i.invoiced, 0))) as units,
           date_diff('day', r.received_at, pr.p_end) as age_days
    from receipts as r
    cross join params as pr
    join po_lines as p on p.po_no = r.po_no and p.sku = r.sku
    left join invoiced as i on i.po_no = r.po_no and i.sku = r.sku
),

final as (
    select
        coalesce(supplier, '') as supplier,
        count(*) as receipts,                                        -- GRN lines open
        sum(units * unit_price) as grni,                                            -- yuan
        sum(units * unit_price) filter (where age_days <= 30) as grni_0_30,
        sum(units * unit_price) filter (where age_days between 31 and 60) as grni_31_60,
        sum(units * unit_price) filter (where age_days between 61 and 90) as grni_61_90,
        sum(units * unit_price) filter (where age_days > 90) as grni_over_90,
        max(age_days) as oldest_days
    from open_units
    where units > 0
    group by 1
)

select * from final
order by grni desc, supplier
