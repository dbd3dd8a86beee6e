-- The order lifecycle of a period, from the canonical tables and the open register items: one
-- row per order paid in the period, each leg's status being its first open finding.
-- A waybill shared by several orders (two orders packed in one parcel) belongs to the order of
-- its one row (macro one_shipment_per_waybill): its bill lines are that order's freight_billed
-- (the other orders show 0 and are billed), and a finding keyed by the waybill is that order's.
insert into order_lifecycle
with

bounds as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end
),

paid as (
    select o.* from orders as o, bounds as b
    where o.paid_at >= b.p_start and o.paid_at < b.p_end
),

parcels as (
    select s.* from shipments as s, bounds as b
    where s.ship_time < b.p_end and s.order_id in (select order_id from paid)
),

shipped as (
    select p.order_id, min(p.ship_time) as shipped_at,
           sum(l.qty * ol.unit_price) as shipped_value
    from parcels as p
    join shipment_lines as l on l.shipment_id = p.shipment_id
    left join (select order_id, sku, max(unit_price) as unit_price from order_lines
               group by order_id, sku) as ol on ol.order_id = p.order_id and ol.sku = l.sku
    group by p.order_id
),

delivered as (
    select p.order_id, max(t.event_time) as delivered_at
    from parcels as p join tracking_events as t on t.tracking_no = p.tracking_no
    where t.event_type = 'delivered' and t.event_time < (select p_end from bounds)
    group by p.order_id
),

waybills as (   -- each waybill of the orders' parcels once, with the order it belongs to
    select w.tracking_no, w.order_id
    from one_shipment_per_waybill() as w
    where w.tracking_no in (select tracking_no from parcels)
),

billed as (
    select c.waybill_no, sum(c.payable) as payable
    from courier_bill_lines as c
    where c.waybill_no in (select tracking_no from waybills)
    group by c.waybill_no
),

freight as (   -- every order whose parcel is billed; the money once, on the waybill's order
    select p.order_id,
           coalesce(sum(b.payable) filter (where w.order_id = p.order_id), 0) as freight_billed
    from (select distinct order_id, tracking_no from parcels) as p
    join billed as b on b.waybill_no = p.tracking_no
    join waybills as w on w.tracking_no = p.tracking_no
    group by p.order_id
),

lines as (
    select l.order_id, l.line_type, l.settled_at, l.payout_id,
           l.amount * case when l.currency = 'CNY' then 1 else fx.rate_to_cny end as amount_cny
    from settlement_lines as l
    left join fx_rates as fx
      on fx.currency = l.currency and fx.rate_date = cast(l.settled_at as date)
    where l.settled_at < (select p_end from bounds) and l.order_id in (select order_id from paid)
),

money as (
    select order_id,
           min(settled_at) filter (where line_type = 'sale') as settled_at,
           sum(amount_cny) filter (where line_type = 'sale') as settled_gross,
           -sum(amount_cny) filter (where line_type in ('commission', 'fee')) as fees,
           sum(amount_cny) filter (where payout_id in (
               select payout_id from payouts where paid_at < (select p_end from bounds)))
               as paid_out
    from lines group by order_id
),

refunded as (
    select order_id, sum(amount) as refunded from refunds
    where refunded_at < (select p_end from bounds) group by order_id
),

open_items as (   -- each open finding, tied to its order and its leg
    select r.recon, r.reason_code,
           coalesce(r.order_id, s1.order_id, s2.order_id, sl.order_id, rq.order_id) as order_id
    from register as r
    left join shipments as s1 on s1.shipment_id = split_part(r.key, '|', 1)
    left join one_shipment_per_waybill() as s2 on s2.tracking_no = split_part(r.key, '|', 1)
    left join settlement_lines as sl on sl.settlement_id = r.key
    left join return_requests as rq on rq.return_id = split_part(r.key, '|', 1)
    where r.status in ('open', 'in_progress')
),

legs as (
    select order_id,
           min(reason_code) filter (where recon = 'shipping') as ship_issue,
           min(reason_code) filter (where recon = 'outbound') as stock_issue,
           min(reason_code) filter (where recon = 'freight') as freight_issue,
           min(reason_code) filter (where recon = 'returns') as return_issue,
           min(reason_code) filter (where recon = 'payments') as money_issue
    from open_items where order_id in (select order_id from paid)
    group by order_id
),

final as (
    select
        $period as period, o.order_id, o.channel, o.paid_at, o.paid_amount,
        s.shipped_at, s.shipped_value, d.delivered_at, f.freight_billed,
        m.settled_at, m.settled_gross, m.fees, r.refunded, m.paid_out,
        date_diff('minute', o.paid_at, s.shipped_at) / 1440.0 as days_to_ship,
        date_diff('minute', s.shipped_at, d.delivered_at) / 1440.0 as days_to_deliver,
        date_diff('minute', coalesce(d.delivered_at, s.shipped_at), m.settled_at) / 1440.0
            as days_to_settle,
        coalesce(g.ship_issue, case when s.shipped_at is null then 'not shipped' else 'ok' end),
        coalesce(g.stock_issue, case when s.shipped_at is null then '-' else 'ok' end),
        coalesce(g.freight_issue, case when s.shipped_at is null then '-'
                                       when f.freight_billed is null then 'not billed'
                                       else 'ok' end),
        coalesce(g.return_issue, case when exists (select 1 from return_requests as q
                                                   where q.order_id = o.order_id)
                                      then 'ok' else 'none' end),
        coalesce(g.money_issue, case when m.settled_at is null then 'not settled' else 'ok' end)
    from paid as o
    left join shipped as s on s.order_id = o.order_id
    left join delivered as d on d.order_id = o.order_id
    left join freight as f on f.order_id = o.order_id
    left join money as m on m.order_id = o.order_id
    left join refunded as r on r.order_id = o.order_id
    left join legs as g on g.order_id = o.order_id
)

select * from final
