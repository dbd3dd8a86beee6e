-- Stock turnover per warehouse and SKU over a window of whole months that ends at the period end
-- (the period itself, or e.g. the trailing 12 months), rolled up per category (all warehouses),
-- per warehouse (all categories) and in total; the column `level` says which row is which.
--   COGS                    = outbound units x unit cost                              (yuan)
--   average inventory value = mean over the window's snapshots of on_hand x unit_cost (yuan)
--                             (snapshot unit_cost, else the unit cost; one snapshot in the
--                             window is its own average)
--   unit cost               = the received cost (the PO price of the SKU's latest goods
--                             receipt before the window's end) where it exists, else
--                             products.unit_cost
--   turnover                = COGS / average inventory value    (times per window; NULL at 0)
--   days on hand            = average inventory value / (COGS / days in the window)  (days)
-- Roll-ups add up COGS and average inventory values of their SKUs, then divide.
with

params as (
    select
        cast($window_start as timestamp) as w_start,
        cast($window_end as timestamp) as w_end,
        date_diff('day', cast($window_start as date), cast($window_end as date)) as days
),

received as (   -- what the SKU cost when it last came in against a PO
    select g.sku, arg_max(l.unit_price, g.received_at) as received_cost
    from goods_receipts as g
    join purchase_order_lines as l on l.po_no = g.po_no and l.sku = g.sku
    cross join params as p
    where g.received_at < p.w_end
    group by g.sku
),

products as (
    select p.sku, p.category,
           coalesce(r.received_cost, p.unit_cost) as unit_cost     -- yuan per unit
    from products as p
    left join received as r on r.sku = p.sku
),

outbound as (
    select m.warehouse, m.sku, sum(m.qty) as units_out    -- units
    from inventory_movements as m, params as p
    where m.movement_type = 'outbound'
      and m.posted_at >= p.w_start and m.posted_at < p.w_end
    group by m.warehouse, m.sku
),

snapshots as (
    select
        s.warehouse,
        s.sku,
        count(*) as snapshots,
        avg(s.on_hand) as avg_units,                                          -- units
        avg(s.on_hand * coalesce(s.unit_cost, pr.unit_cost)) as avg_value     -- yuan
    from inventory_snapshots as s
    cross join params as p
    left join products as pr on pr.sku = s.sku
    where s.snapshot_date >= cast(p.w_start as date) and s.snapshot_date < cast(p.w_end as date)
    group by s.warehouse, s.sku
),

per_sku as (
    select
        coalesce(o.warehouse, s.warehouse) as warehouse,
        coalesce(o.sku, s.sku) as sku,
        pr.category,
        coalesce(o.units_out, 0) as units_out,
        coalesce(o.units_out, 0) * pr.unit_cost as cogs,                       -- yuan
        coalesce(s.snapshots, 0) as snapshots,
        s.avg_units,
        s.avg_value
    from outbound as o
    full outer join snapshots as s on s.warehouse = o.warehouse and s.sku = o.sku
    left join products as pr on pr.sku = coalesce(o.sku, s.sku)
),

rolled as (
    select
        case
            when grouping(sku) = 0 then 'sku'
            when grouping(category) = 0 then 'category'
            when grouping(warehouse) = 0 then 'warehouse'
            else 'total'
        end as level,
        warehouse,
        category,
        sku,
        sum(units_out) as units_out,
        cast(sum(cogs) as double) as cogs,
        sum(snapshots) as snapshots,
        sum(avg_units) as avg_units,
        cast(sum(avg_value) as double) as avg_value
    from per_sku
    group by grouping sets ((warehouse, category, sku), (category), (warehouse), ())
),

final as (
    select
        r.level,
        r.warehouse,
        r.category,
        r.sku,
        r.units_out,
        r.cogs,
        r.snapshots,
        r.avg_units,
        r.avg_value,
        r.cogs / nullif(r.avg_value, 0) as turnover,                     -- times per window
        p.days as window_days,
        r.avg_value / nullif(r.cogs / p.days, 0) as days_on_hand         -- days
    from rolled as r, params as p
)

select * from final
order by
    case level when 'sku' then 1 when 'category' then 2 when 'warehouse' then 3 else 4 end,
    warehouse nulls last, category nulls last, sku nulls last
