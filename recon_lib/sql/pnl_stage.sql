-- The channel P&L's lines for a period (docs/pnl.md), one row per source record, kept as the
-- temp table pnl_line so that every figure is the sum of its lines and drills down to them
-- (pnl_figures.sql, pnl_drill.sql). Money in CNY, costs as positive amounts.
-- Sales are recognised at dispatch, on the money waterfall's population (money_waterfall.sql):
-- orders paid in the period and shipped by its end, refunds and settlement lines as known at its
-- end, foreign-currency settlement lines at their settlement day's rate rounded per line, so
--   gross_sales - discounts = waterfall paid - not_shipped, refunds = its refunded, and
--   platform_fees + payment_fees = -(its fees), to the cent.
-- Freight is what the couriers' bills of the period charge (packaging and compensation credits
-- apart), its claims the period's freight findings; compensation credits on those bills are
-- parcel_compensation (received, positive) and the period's claims findings (CLM_) what the
-- couriers still owe for lost and damaged parcels (parcel_claims); the COD fees the couriers
-- deducted on the period's remittance lines are cod_fees (as cod_by_carrier.sql sums them), the
-- period's COD_FEE_OVER findings what we claim back of them (cod_fee_claims); cod_receivable is
-- the COD money still with the couriers at the period's end (cod_outstanding.sql's rule).
-- COGS the units shipped of those orders at products.unit_cost;
-- FX differences the period's payouts credited within the FX tolerance (fx_differences).
-- amount is NULL where a record has no value (a SKU without a unit cost): the figure is then
-- not known, never summed as 0.
create or replace temp table pnl_line as
with

bounds as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end
),

sold as (   -- the waterfall's population: paid in the period, shipped by its end
    select o.order_id, o.channel, o.paid_amount, o.discount
    from period_paid_orders($period_start, $period_end) as o
    where o.shipped
),

settled_lines as (   -- settlement lines of sold orders, in CNY (as the waterfall converts them)
    select l.channel, l.settlement_id, l.order_id, l.line_type, l.amount_cny
    from settlement_lines_cny($period_end) as l
    where l.order_id in (select order_id from sold)
),

settled as (select distinct order_id from settled_lines where line_type = 'sale'),

waybill_channel as (
    select s.tracking_no, any_value(o.channel) as channel, any_value(o.order_id) as order_id
    from one_shipment_per_waybill() as s
    join orders as o on o.order_id = s.order_id
    group by s.tracking_no
),

bill as (
    select c.carrier, c.waybill_no, c.fee_type, c.payable, c.source_file, c.source_row
    from courier_bill_lines as c, bounds as b
    where c.bill_date >= cast(b.p_start as date) and c.bill_date < cast(b.p_end as date)
),

found as (
    select reason_code, key, amount, waybill_no, carrier
    from freight_findings_by_carrier($period)
),

courier_found as (   -- findings of the period on a parcel, keyed by its waybill
    select d.recon, d.reason_code, d.key, d.amount, split_part(d.key, '|', 1) as waybill_no
    from discrepancies as d
    where d.period = $period
      and (d.recon = 'claims' or (d.recon = 'cod' and d.reason_code = 'COD_FEE_OVER'))
),

cod_fee as (   -- the fee deducted: the statement's, or collected - remitted (cod_by_carrier.sql)
    select r.carrier, r.batch_no, r.tracking_no,
           coalesce(r.service_fee, r.collected_amount - r.remitted_amount) as fee
    from cod_remittances as r, bounds as b
    where r.remit_date >= cast(b.p_start as date) and r.remit_date < cast(b.p_end as date)
),

cod_open as (   -- delivered, not refused after, no remittance line before the end
    select p.carrier, p.tracking_no, p.order_id, p.cod_amount
    from cod_unremitted($period_end) as p
),

lines as (
    select 'gross_sales' as figure, channel, 'orders' as source, order_id as record, order_id,
           paid_amount + coalesce(discount, 0) as amount
    from sold
    union all
    select 'discounts', channel, 'orders', order_id, order_id, discount
    from sold where coalesce(discount, 0) <> 0
    union all
    select 'refunds', s.channel, 'refunds', r.refund_id, r.order_id, r.amount
    from refunds as r
    join sold as s on s.order_id = r.order_id
    cross join bounds as b
    where r.refunded_at < b.p_end
    union all
    select case when l.channel in (select unnest($payment_channels)) then 'payment_fees'
                else 'platform_fees' end,
           l.channel, 'settlement_lines', l.settlement_id, l.order_id, -l.amount_cny
    from settled_lines as l
    where l.line_type in ('commission', 'fee') and l.order_id in (select order_id from settled)
    union all
    select case when c.fee_type = 'packaging' then 'packaging'
                when c.fee_type = 'compensation' then 'parcel_compensation'
                else 'freight_billed' end,
           coalesce(w.channel, '(unassigned)'), 'courier_bill_lines',
           c.carrier || ' ' || c.waybill_no || ' ' || c.fee_type, w.order_id,
           case when c.fee_type = 'compensation' then -c.payable    -- a credit: received
                else c.payable end
    from bill as c
    left join waybill_channel as w on w.tracking_no = c.waybill_no
    union all
    select case when f.recon = 'claims' then 'parcel_claims' else 'cod_fee_claims' end,
           coalesce(w.channel, '(unassigned)'), 'discrepancies', f.reason_code || ' ' || f.key,
           w.order_id, f.amount                       -- NULL: what the rule owes is not known
    from courier_found as f
    left join waybill_channel as w on w.tracking_no = f.waybill_no
    union all
    select 'cod_fees', coalesce(w.channel, '(unassigned)'), 'cod_remittances',
           r.carrier || ' ' || r.batch_no || ' ' || r.tracking_no, w.order_id, r.fee
    from cod_fee as r
    left join waybill_channel as w on w.tracking_no = r.tracking_no
    union all
    select 'cod_receivable', coalesce(w.channel, '(unassigned)'), 'shipments',
           p.carrier || ' ' || p.tracking_no, p.order_id, p.cod_amount
    from cod_open as p
    left join waybill_channel as w on w.tracking_no = p.tracking_no
    union all
    select case when f.reason_code = 'FRT_UNBILLED' then 'freight_accrued'
                else 'freight_claims' end,
           coalesce(w.channel, '(unassigned)'), 'discrepancies', f.reason_code || ' ' || f.key,
           null, f.amount
    from found as f
    left join waybill_channel as w on w.tracking_no = f.waybill_no
    union all
    select 'cogs', o.channel, 'shipment_lines', s.shipment_id || ' ' || sl.sku, s.order_id,
           sl.qty * p.unit_cost                                 -- NULL: the SKU has no cost
    from shipment_lines as sl
    join shipments as s on s.shipment_id = sl.shipment_id
    join sold as o on o.order_id = s.order_id
    left join products as p on p.sku = sl.sku
    cross join bounds as b
    where s.ship_time < b.p_end
    union all
    select 'fx_difference', coalesce(x.channel, '(unassigned)'), 'fx_differences', x.payout_id,
           null, x.difference                                   -- deposited - expected
    from fx_differences as x
    where x.period = $period
)

select figure, channel, source, record, order_id, cast(amount as decimal(18, 2)) as amount
from lines
