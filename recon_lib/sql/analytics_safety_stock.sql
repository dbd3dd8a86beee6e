-- Safety-stock alerts: warehouse x SKU whose latest on_hand in the period is at or below its
-- safety stock (a stock-out, on_hand = 0, is always an alert).
--   daily_rate    = outbound units in the last $sales_window_days days of the period / that
--                   number of days                                               (units / day)
--   days_of_cover = on_hand / daily_rate                   (days; NULL when nothing went out)
--   reorder_qty   = max(0, ceil(daily_rate x $lead_time_days) + safety_stock - on_hand) (units)
--   delayed_orders (stock-outs only) = orders with the SKU, paid in the period and not
--                   cancelled by its end, whose units of the SKU were not all shipped by the
--                   period end. Orders have no warehouse before they ship, so the count is per
--                   SKU and repeats on every warehouse's stock-out row.
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($sales_window_days as integer) as window_days,
        cast($lead_time_days as integer) as lead_days
),

latest as (
    select s.warehouse, s.sku, s.snapshot_date, s.on_hand, s.safety_stock
    from inventory_snapshots as s, params as p
    where s.snapshot_date >= cast(p.p_start as date) and s.snapshot_date < cast(p.p_end as date)
    qualify row_number() over (partition by s.warehouse, s.sku
                               order by s.snapshot_date desc) = 1
),

recent as (
    select m.warehouse, m.sku, sum(m.qty) as units_out                    -- units
    from inventory_movements as m, params as p
    where m.movement_type = 'outbound'
      and m.posted_at >= p.p_end - p.window_days * interval '1' day
      and m.posted_at < p.p_end
    group by m.warehouse, m.sku
),

ordered as (   -- live at the period end: cancelled_at decides, else the exported status
    select o.order_id, l.sku, sum(l.qty) as qty
    from orders as o
    join order_lines as l on l.order_id = o.order_id
    cross join params as p
    where o.paid_at >= p.p_start and o.paid_at < p.p_end
      and not coalesce(o.cancelled_at < p.p_end, o.status = 'cancelled')
    group by o.order_id, l.sku
),

shipped as (
    select s.order_id, sl.sku, sum(sl.qty) as qty
    from shipments as s
    join shipment_lines as sl on sl.shipment_id = s.shipment_id
    cross join params as p
    where s.ship_time < p.p_end
    group by s.order_id, sl.sku
),

delayed as (
    select o.sku, count(distinct o.order_id) as orders
    from ordered as o
    left join shipped as s on s.order_id = o.order_id and s.sku = o.sku
    where coalesce(s.qty, 0) < o.qty
    group by o.sku
),

final as (
    select
        l.warehouse,
        l.sku,
        pr.category,
        l.snapshot_date,
        l.on_hand,
        l.safety_stock,
        coalesce(r.units_out, 0) as recent_units_out,
        coalesce(r.units_out, 0) / p.window_days as daily_rate,                 -- units / day
        l.on_hand / nullif(coalesce(r.units_out, 0) / p.window_days, 0) as days_of_cover,
        greatest(0, (coalesce(r.units_out, 0) * p.lead_days + p.window_days - 1) // p.window_days
                    + coalesce(l.safety_stock, 0) - l.on_hand) as reorder_qty,  -- units
        l.on_hand = 0 as stock_out,
        case when l.on_hand = 0 then coalesce(d.orders, 0) end as delayed_orders
    from latest as l
    cross join params as p
    left join recent as r on r.warehouse = l.warehouse and r.sku = l.sku
    left join delayed as d on d.sku = l.sku
    left join products as pr on pr.sku = l.sku
    where l.on_hand <= coalesce(l.safety_stock, 0)
)

select * from final
order by stock_out desc, days_of_cover nulls last, warehouse, sku
