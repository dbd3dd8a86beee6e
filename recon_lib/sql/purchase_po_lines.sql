-- Purchase order lines with their header, each once (a PO exported again in a later period's
-- file counts as that latest copy says): the order side of the three-way match (采购对账).
create or replace temp table purchase_po_lines as
with

headers as (
    select * from purchase_orders
    qualify row_number() over (partition by po_no order by period desc) = 1
),

lines as (
    select * from purchase_order_lines
    qualify row_number() over (partition by po_no, line_no order by period desc) = 1
),

final as (
    select l.po_no, l.line_no, l.sku, l.qty, l.unit_price, l.tax_rate,
           h.supplier, h.order_date, h.expected_date, h.currency
    from lines as l
    join headers as h on h.po_no = l.po_no
)

select * from final
