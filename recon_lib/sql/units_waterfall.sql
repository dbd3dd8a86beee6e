-- What happened to the units of the period's paid orders, as known at the period's end.
with

bounds as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end
),

paid as (
    select o.order_id from orders as o, bounds as b
    where o.paid_at >= b.p_start and o.paid_at < b.p_end
),

parcels as (
    select s.shipment_id, s.tracking_no, s.order_id
    from shipments as s, bounds as b
    where s.ship_time < b.p_end and s.order_id in (select order_id from paid)
),

events as (
    select t.tracking_no, bool_or(t.event_type = 'delivered') as delivered,
           bool_or(t.event_type = 'lost') as lost
    from tracking_events as t, bounds as b
    where t.event_time < b.p_end and t.tracking_no in (select tracking_no from parcels)
    group by t.tracking_no
),

final as (
    select 1 as step, '订购 Ordered' as stage,
           (select coalesce(sum(qty), 0) from order_lines
            where order_id in (select order_id from paid)) as units
    union all
    select 2, '发出 Shipped', (select coalesce(sum(l.qty), 0) from shipment_lines as l
                              join parcels as p on p.shipment_id = l.shipment_id)
    union all
    select 3, '签收 Delivered', (select coalesce(sum(l.qty), 0) from shipment_lines as l
                                join parcels as p on p.shipment_id = l.shipment_id
                                join events as e on e.tracking_no = p.tracking_no
                                where e.delivered)
    union all
    select 4, '丢失 Lost in transit', (select coalesce(sum(l.qty), 0) from shipment_lines as l
                                      join parcels as p on p.shipment_id = l.shipment_id
                                      join events as e on e.tracking_no = p.tracking_no
                                      where e.lost)
    union all
    select 5, '申请退货 Return requested', (select coalesce(sum(qty), 0) from return_requests
                                          where order_id in (select order_id from paid))
    union all
    select 6, '退回入库 Received back', (select coalesce(sum(c.qty), 0) from return_receipts as c
                                        join return_requests as r on r.return_id = c.return_id
                                                                  and r.sku = c.sku
                                        where r.order_id in (select order_id from paid))
)

select step, stage, cast(units as bigint) as units from final order by step
