-- Purchase findings (三单匹配: PO, goods received, supplier invoice). Each is judged once:
-- an invoice line in the period of its invoice date, against the POs and the goods received by
-- the period's end; a goods receipt in the period it arrived; a PO line in the period holding
-- its expected date plus the grace days; goods accepted but not invoiced in the period holding
-- their receipt plus the invoice window. Partial deliveries and partial invoices add up per PO
-- and SKU: only units beyond what was ordered, received or accepted are findings. A payment to a
-- supplier (purchase_payments) is judged in the period it was booked; instalments that add up
-- to the invoice are not findings.
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($price_tolerance as decimal(9,6)) as price_tolerance,
        cast($tolerance_suppliers as varchar[]) as tolerance_suppliers,   -- a contract's own
        cast($tolerance_shares as decimal(9,6)[]) as tolerance_shares,    -- tolerance, by supplier
        cast($overdue_days as integer) as overdue_days,
        cast($invoice_days as integer) as invoice_days,
        cast($amount_tolerance as decimal(18,2)) as amount_tolerance
),

po_skus as (   -- what each PO orders of a SKU (a SKU on two lines: their units, the top price)
    select po_no, sku, any_value(supplier) as supplier, sum(qty) as ordered,
           max(unit_price) as unit_price, min(expected_date) as expected_date
    from purchase_po_lines
    group by po_no, sku
),

last_price as (   -- a SKU's latest PO price, for goods that came without an order
    select sku, arg_max(unit_price, order_date) as unit_price
    from purchase_po_lines
    group by sku
),

received as (
    select po_no, sku, sum(qty_received) as received, sum(qty_accepted) as accepted
    from purchase_grn_lines
    group by po_no, sku
),

invoiced as (
    select po_no, sku, sum(qty) as invoiced
    from purchase_invoice_lines
    group by po_no, sku
),

invoice_lines as (   -- the period's invoice lines
    select i.*, p.ordered, p.unit_price as po_price,
           coalesce(r.received, 0) as received, coalesce(r.accepted, 0) as accepted,
           i.invoice_no || '|' || i.supplier || '|' || i.line_no as line_key
    from purchase_invoice_lines as i
    cross join params as pr
    left join po_skus as p on p.po_no = i.po_no and p.sku = i.sku
    left join received as r on r.po_no = i.po_no and r.sku = i.sku
    where i.invoice_date >= cast(pr.p_start as date)
),

no_po as (
    select
        'PUR_INVOICE_NO_PO' as reason_code,
        l.line_key as key,
        cast(null as varchar) as order_id,
        l.amount,
        'invoice ' || l.invoice_no || ' of ' || l.supplier || ' bills ' || l.qty || ' x ' || l.sku
            || case when l.po_no is null then ' quoting no purchase order'
                    else ' on ' || l.po_no || ', which orders no such SKU' end as explanation,
        to_json({'supplier': l.supplier, 'invoice_no': l.invoice_no, 'po_no': l.po_no,
                 'sku': l.sku, 'qty': l.qty, 'amount': l.amount}) as details
    from invoice_lines as l
    where l.ordered is null
),

price_over as (
    select
        'PUR_PRICE_OVER' as reason_code,
        l.line_key as key,
        cast(null as varchar) as order_id,
        (l.unit_price - l.po_price) * l.qty as amount,
        'invoice ' || l.invoice_no || ' bills ' || l.qty || ' x ' || l.sku || ' at '
            || l.unit_price || ', ' || l.po_no || ' agreed ' || l.po_price as explanation,
        to_json({'supplier': l.supplier, 'invoice_no': l.invoice_no, 'po_no': l.po_no,
                 'sku': l.sku, 'qty': l.qty, 'unit_price': l.unit_price,
                 'po_price': l.po_price, 'tolerance': t.tolerance}) as details
    from invoice_lines as l, params as pr
    cross join lateral (
        select coalesce(list_extract(pr.tolerance_shares,
                                     list_position(pr.tolerance_suppliers, l.supplier)),
                        pr.price_tolerance) as tolerance
    ) as t
    where l.ordered is not null
      and l.unit_price > l.po_price * (1 + t.tolerance)
),

qty_over as (   -- the units of this line beyond what arrived (or was accepted) by the period end
    select l.*,
           least(l.qty, l.invoiced_so_far - l.received) as over_received,
           least(l.qty, l.invoiced_so_far - l.accepted) as over_accepted
    from invoice_lines as l
    where l.ordered is not null and l.invoiced_so_far > l.accepted
),

invoice_qty_over as (
    select
        'PUR_INVOICE_QTY_OVER' as reason_code,
        q.line_key as key,
        cast(null as varchar) as order_id,
        q.over_received * q.unit_price as amount,
        'invoice ' || q.invoice_no || ' bills ' || q.qty || ' x ' || q.sku || ' on ' || q.po_no
            || ': ' || q.invoiced_so_far || ' invoiced so far, ' || q.received
            || ' received by the period end' as explanation,
        to_json({'supplier': q.supplier, 'invoice_no': q.invoice_no, 'po_no': q.po_no,
                 'sku': q.sku, 'qty': q.qty, 'invoiced_so_far': q.invoiced_so_far,
                 'received': q.received, 'over': q.over_received}) as details
    from qty_over as q
    where q.over_received > 0
),

rejected_invoiced as (
    select
        'PUR_REJECTED_INVOICED' as reason_code,
        q.line_key as key,
        cast(null as varchar) as order_id,
        q.over_accepted * q.unit_price as amount,
        'invoice ' || q.invoice_no || ' bills ' || q.qty || ' x ' || q.sku || ' on ' || q.po_no
            || ': ' || q.invoiced_so_far || ' invoiced so far, ' || q.accepted || ' of the '
            || q.received || ' received were accepted' as explanation,
        to_json({'supplier': q.supplier, 'invoice_no': q.invoice_no, 'po_no': q.po_no,
                 'sku': q.sku, 'qty': q.qty, 'invoiced_so_far': q.invoiced_so_far,
                 'received': q.received, 'accepted': q.accepted, 'over': q.over_accepted})
            as details
    from qty_over as q
    where q.over_received <= 0
),

tax_mismatch as (
    select
        'PUR_TAX_MISMATCH' as reason_code,
        l.line_key as key,
        cast(null as varchar) as order_id,
        abs(l.tax - round(l.amount * l.tax_rate, 2)) as amount,
        'invoice ' || l.invoice_no || ' line ' || l.line_no || ': tax ' || l.tax || ', '
            || l.amount || ' x ' || l.tax_rate || ' = ' || round(l.amount * l.tax_rate, 2)
            as explanation,
        to_json({'supplier': l.supplier, 'invoice_no': l.invoice_no, 'line_no': l.line_no,
                 'amount': l.amount, 'tax_rate': l.tax_rate, 'tax': l.tax,
                 'expected_tax': round(l.amount * l.tax_rate, 2)}) as details
    from invoice_lines as l, params as pr
    where l.tax is not null and l.tax_rate is not null
      and abs(l.tax - round(l.amount * l.tax_rate, 2)) > pr.amount_tolerance
),

receipts as (   -- the period's goods receipts
    select g.*, p.ordered, coalesce(p.unit_price, lp.unit_price) as unit_price,
           case when g.po_no is null then 'quotes no purchase order'
                when not exists (select 1 from purchase_po_lines as x where x.po_no = g.po_no)
                    then 'quotes ' || g.po_no || ', which we never placed'
                when p.ordered is null then g.po_no || ' orders no such SKU'
           end as no_order
    from purchase_grn_lines as g
    cross join params as pr
    left join po_skus as p on p.po_no = g.po_no and p.sku = g.sku
    left join last_price as lp on lp.sku = g.sku
    where g.received_at >= pr.p_start
),

received_not_ordered as (
    select
        'PUR_RECEIVED_NOT_ORDERED' as reason_code,
        r.grn_no || '|' || r.sku as key,
        cast(null as varchar) as order_id,
        x.units * r.unit_price as amount,
        'receipt ' || r.grn_no || ' (' || r.qty_received || ' x ' || r.sku || ') '
            || coalesce(r.no_order, 'takes ' || r.po_no || ' to ' || r.received_so_far
                        || ' received of ' || r.ordered || ' ordered') as explanation,
        to_json({'grn_no': r.grn_no, 'po_no': r.po_no, 'sku': r.sku, 'qty': r.qty_received,
                 'ordered': r.ordered, 'received_so_far': r.received_so_far,
                 'units': x.units}) as details
    from receipts as r
    cross join lateral (
        select case when r.no_order is not null then r.qty_received
                    else least(r.qty_received, r.received_so_far - r.ordered) end as units
    ) as x
    where x.units > 0
),

po_overdue as (
    select
        'PUR_PO_OVERDUE' as reason_code,
        p.po_no || '|' || p.sku as key,
        cast(null as varchar) as order_id,
        (p.ordered - coalesce(r.received, 0)) * p.unit_price as amount,
        p.po_no || ' (' || p.supplier || ') expected ' || p.ordered || ' x ' || p.sku || ' on '
            || p.expected_date || ': ' || coalesce(r.received, 0) || ' received by the period end'
            as explanation,
        to_json({'po_no': p.po_no, 'supplier': p.supplier, 'sku': p.sku, 'ordered': p.ordered,
                 'received': coalesce(r.received, 0), 'expected_date': p.expected_date,
                 'overdue_days': pr.overdue_days}) as details
    from po_skus as p
    cross join params as pr
    left join received as r on r.po_no = p.po_no and r.sku = p.sku
    where p.expected_date + pr.overdue_days >= cast(pr.p_start as date)
      and p.expected_date + pr.overdue_days < cast(pr.p_end as date)
      and coalesce(r.received, 0) < p.ordered
),

not_invoiced as (   -- accepted goods whose invoice window closed in the period
    select g.*, p.unit_price, coalesce(i.invoiced, 0) as invoiced,
           least(g.qty_accepted, g.accepted_so_far - coalesce(i.invoiced, 0)) as units
    from purchase_grn_lines as g
    cross join params as pr
    join po_skus as p on p.po_no = g.po_no and p.sku = g.sku
    left join invoiced as i on i.po_no = g.po_no and i.sku = g.sku
    where g.received_at + pr.invoice_days * interval '1' day >= pr.p_start
      and g.received_at + pr.invoice_days * interval '1' day < pr.p_end
),

received_not_invoiced as (
    select
        'PUR_RECEIVED_NOT_INVOICED' as reason_code,
        n.grn_no || '|' || n.sku as key,
        cast(null as varchar) as order_id,
        n.units * n.unit_price as amount,
        'receipt ' || n.grn_no || ' accepted ' || n.qty_accepted || ' x ' || n.sku || ' of '
            || n.po_no || ' on ' || strftime(n.received_at, '%Y-%m-%d') || ': '
            || n.invoiced || ' invoiced by the period end of ' || n.accepted_so_far
            || ' accepted so far' as explanation,
        to_json({'grn_no': n.grn_no, 'po_no': n.po_no, 'supplier': n.supplier, 'sku': n.sku,
                 'accepted': n.qty_accepted, 'accepted_so_far': n.accepted_so_far,
                 'invoiced': n.invoiced, 'units': n.units, 'received_at': n.received_at})
            as details
    from not_invoiced as n
    where n.units > 0
),

paid_twice as (
    select
        'PUR_PAID_TWICE' as reason_code,
        p.txn_id as key,
        cast(null as varchar) as order_id,
        least(p.allocated, p.paid_so_far - p.total) as amount,
        'payment ' || p.txn_id || ' of ' || p.amount || ' to ' || p.counterparty || ' on '
            || strftime(p.booked_at, '%Y-%m-%d') || ' takes invoice ' || p.invoice_no
            || ' to ' || p.paid_so_far || ' paid of ' || p.total as explanation,
        to_json({'txn_id': p.txn_id, 'supplier': p.counterparty, 'invoice_no': p.invoice_no,
                 'amount': p.amount, 'paid_so_far': p.paid_so_far, 'total': p.total,
                 'booked_at': p.booked_at}) as details
    from purchase_payments as p, params as pr
    where p.booked_at >= pr.p_start and p.invoice_no is not null
      and p.paid_so_far - p.total > pr.amount_tolerance
    qualify row_number() over (partition by p.txn_id   -- one finding a payment: its worst
                               order by p.paid_so_far - p.total desc, p.invoice_no) = 1
),

paid_not_invoiced as (
    select
        'PUR_PAID_NOT_INVOICED' as reason_code,
        p.txn_id as key,
        cast(null as varchar) as order_id,
        p.amount,
        'payment ' || p.txn_id || ' of ' || p.amount || ' to ' || p.counterparty || ' on '
            || strftime(p.booked_at, '%Y-%m-%d') || ' quotes none of its invoices ('
            || coalesce(p.reference, 'no reference') || ') and pays none by its amount'
            as explanation,
        to_json({'txn_id': p.txn_id, 'supplier': p.counterparty, 'amount': p.amount,
                 'reference': p.reference, 'booked_at': p.booked_at}) as details
    from purchase_payments as p, params as pr
    where p.booked_at >= pr.p_start and p.invoice_no is null
),

final as (
    select * from no_po
    union all select * from price_over
    union all select * from invoice_qty_over
    union all select * from rejected_invoiced
    union all select * from tax_mismatch
    union all select * from received_not_ordered
    union all select * from po_overdue
    union all select * from received_not_invoiced
    union all select * from paid_twice
    union all select * from paid_not_invoiced
)

select * from final
order by reason_code, key
