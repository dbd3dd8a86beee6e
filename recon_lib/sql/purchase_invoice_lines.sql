-- Supplier invoice lines up to the period's end, each once, with their header and the PO they
-- bill (the line's, else the header's), in the order they were issued, with the units invoiced
-- so far against that PO and SKU (partial invoices add up).
create or replace temp table purchase_invoice_lines as
with

headers as (
    select * from supplier_invoices
    where invoice_date < cast($period_end as date)
    qualify row_number() over (partition by supplier, invoice_no order by period desc) = 1
),

lines as (
    select * from supplier_invoice_lines
    qualify row_number() over (partition by supplier, invoice_no, line_no
                               order by period desc) = 1
),

final as (
    select
        l.supplier, l.invoice_no, l.line_no, h.invoice_date,
        coalesce(l.po_no, h.po_no) as po_no,
        l.sku, l.qty, l.unit_price,
        coalesce(l.amount, l.qty * l.unit_price) as amount,       -- yuan, before tax
        l.tax_rate, l.tax,
        sum(l.qty) over (partition by coalesce(l.po_no, h.po_no), l.sku
                         order by h.invoice_date, l.supplier, l.invoice_no, l.line_no
                         rows between unbounded preceding and current row) as invoiced_so_far
    from lines as l
    join headers as h on h.supplier = l.supplier and h.invoice_no = l.invoice_no
)

select * from final
