-- The channel P&L's lines for a period (docs/pnl.md), one row per source record, kept as the
-- temp table pnl_line so that every figure is the sum of its lines and drills down to them
-- (pnl_figures.sql, pnl_drill.sql). Money in CNY, costs as positive amounts.
-- Sales are recognised at dispatch, on the money waterfall's population (money_waterfall.sql):
-- orders paid in the period and shipped by its end, refunds and settlement lines as known at its
-- end, foreign-currency settlement lines at their settlement day's rate rounded per line, so
--   gross_sales - discounts = waterfall paid - not_shipped, refunds = its refunded, and
--   platform_fees + payment_fees = -(its fees), to the cent.
-- Freight is what the couriers' bills of the period charge (packaging lines apart), its claims
-- the period's freight findings; COGS the units shipped of those orders at products.unit_cost;
-- FX differences the period's payouts credited within the FX tolerance (fx_differences).
-- amount is NULL where a record has no value (a SKU without a unit cost): the figure is then
-- not known, never summed as 0.
create or replace temp table pnl_line as
with

bounds as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end
),

paid as (
    select o.order_id, o.channel, o.paid_amount, o.discount
    from orders as o, bounds as b
    where o.paid_at >= b.p_start and o.paid_at < b.p_end
),

shipped as (
    select distinct s.order_id
    from shipments as s, bounds as b
    where s.ship_time < b.p_end and s.order_id in (select order_id from paid)
),

sold as (
    select * from paid where order_id in (select order_id from shipped)
),

settled_lines as (   -- settlement lines of sold orders, in CNY (as the waterfall converts them)
    select l.channel, l.settlement_id, l.order_id, l.line_type,
           round(l.amount * case when l.currency = 'CNY' then 1 else fx.rate_to_cny end, 2)
               as amount_cny
    from settlement_lines as l
    cross join bounds as b
    left join fx_rates as fx
      on fx.currency = l.currency and fx.rate_date = cast(l.settled_at as date)
    where l.settled_at < b.p_end and l.order_id in (select order_id from sold)
),

settled as (select distinct order_id from settled_lines where line_type = 'sale'),

waybill_channel as (
    select s.tracking_no, any_value(o.channel) as channel
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
    select case when c.fee_type = 'packaging' then 'packaging' else 'freight_billed' end,
           coalesce(w.channel, '(unassigned)'), 'courier_bill_lines',
           c.carrier || ' ' || c.waybill_no || ' ' || c.fee_type, null, c.payable
    from bill as c
    left join waybill_channel as w on w.tracking_no = c.waybill_no
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
