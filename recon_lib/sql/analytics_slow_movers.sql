-- Slow movers and dead stock: warehouse x SKU with stock on hand (latest snapshot in the period)
-- and no outbound movement in the last $slow_days days before the period end. Stock is valued at
-- the snapshot's unit cost, else the received cost (the PO price of the SKU's latest goods
-- receipt), else products.unit_cost.
--   status = 'dead' when nothing went out in the last $dead_days days (or ever), else 'slow'.
--   days_idle = calendar days from the day of the last outbound movement to the period end
--               (NULL when the SKU never went out of that warehouse).
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($slow_days as integer) as slow_days,
        cast($dead_days as integer) as dead_days
),

latest as (
    select s.warehouse, s.sku, s.snapshot_date, s.on_hand, s.unit_cost
    from inventory_snapshots as s, params as p
    where s.snapshot_date >= cast(p.p_start as date) and s.snapshot_date < cast(p.p_end as date)
    qualify row_number() over (partition by s.warehouse, s.sku
                               order by s.snapshot_date desc) = 1
),

received as (   -- what the SKU cost when it last came in against a PO
    select g.sku, arg_max(l.unit_price, g.received_at) as received_cost
    from goods_receipts as g
    join purchase_order_lines as l on l.po_no = g.po_no and l.sku = g.sku
    cross join params as p
    where g.received_at < p.p_end
    group by g.sku
),

last_out as (
    select m.warehouse, m.sku, max(m.posted_at) as last_outbound_at
    from inventory_movements as m, params as p
    where m.movement_type = 'outbound' and m.posted_at < p.p_end
    group by m.warehouse, m.sku
),

judged as (
    select
        l.warehouse,
        l.sku,
        pr.category,
        l.snapshot_date,
        l.on_hand,                                                             -- units
        cast(l.on_hand * coalesce(l.unit_cost, rc.received_cost, pr.unit_cost) as double)
            as stock_value,                                                    -- yuan
        o.last_outbound_at,
        date_diff('day', o.last_outbound_at, p.p_end) as days_idle,            -- days
        case
            when o.last_outbound_at is null
              or o.last_outbound_at < p.p_end - p.dead_days * interval '1' day then 'dead'
            when o.last_outbound_at < p.p_end - p.slow_days * interval '1' day then 'slow'
        end as status
    from latest as l
    cross join params as p
    left join last_out as o on o.warehouse = l.warehouse and o.sku = l.sku
    left join products as pr on pr.sku = l.sku
    left join received as rc on rc.sku = l.sku
    where l.on_hand > 0
),

final as (
    select * from judged where status is not null
)

select * from final
order by status, stock_value desc nulls last, warehouse, sku
