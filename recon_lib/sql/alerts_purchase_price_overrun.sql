-- Supplier invoices priced above their purchase orders, for the alerts: the period's
-- PUR_PRICE_OVER findings (judged in the period of the invoice date).
--   findings = how many invoice lines
--   amount   = sum of (invoiced price - PO price) x units invoiced                      (yuan)
with

final as (
    select count(*) as findings, coalesce(sum(amount), 0) as amount
    from discrepancies
    where period = cast($period as varchar) and reason_code = 'PUR_PRICE_OVER'
)

select * from final
