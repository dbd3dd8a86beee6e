-- What we owe each supplier at the period's end (应付): its invoices to date with tax, less the
-- payments quoting them, aged by the invoice date; payments quoting no invoice (prepayments)
-- are shown apart and taken off the balance. Documents each once, as the period's end knew them.
with

params as (
    select cast($period_end as timestamp) as p_end
),

invoices as (   -- the same invoices and payment shares as the purchase match reads (macros)
    select * from supplier_invoice_totals(cast($period_end as timestamp))
),

shares as (
    select * from supplier_payment_shares(cast($period_end as timestamp))
),

allocated as (
    select i.*, coalesce(sum(s.allocated), 0) as paid
    from invoices as i
    left join shares as s on s.counterparty = i.supplier and s.invoice_no = i.invoice_no
    group by all
),

open_invoices as (
    select a.*, greatest(a.total - a.paid, 0) as open,
           date_diff('day', a.invoice_date, cast(pr.p_end as date)) as age_days
    from allocated as a, params as pr
),

unquoted as (
    select counterparty as supplier, sum(amount) as unallocated
    from shares
    where invoice_no is null
    group by counterparty
),

final as (
    select
        o.supplier,
        sum(o.total) as invoiced_total,                                               -- yuan
        sum(o.paid) as paid_to_date,
        coalesce(any_value(u.unallocated), 0) as unallocated,
        sum(o.open) - coalesce(any_value(u.unallocated), 0) as payable,
        sum(o.open) filter (where o.age_days <= 30) as payable_0_30,
        sum(o.open) filter (where o.age_days between 31 and 60) as payable_31_60,
        sum(o.open) filter (where o.age_days between 61 and 90) as payable_61_90,
        sum(o.open) filter (where o.age_days > 90) as payable_over_90
    from open_invoices as o
    left join unquoted as u on u.supplier = o.supplier
    group by o.supplier
)

select * from final
order by payable desc, supplier
