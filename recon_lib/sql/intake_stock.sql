-- Stock of each SKU an order of the period asked for, at the moment it was placed, over all
-- warehouses: the first stock snapshot taken at the end of the order's day or later, less the
-- movements posted after the order and up to that snapshot (outbound out; inbound, returns and
-- signed adjustments in). A SKU the snapshot does not list, or an order after the last snapshot,
-- leaves on_hand null: not comparable (intake_uncheckable.sql). Cancelled orders ask for no stock.
create or replace temp table intake_stock as
with

wanted as (
    select o.order_id, o.created_at, cast(o.created_at as date) as order_day, l.sku,
           sum(l.qty) as qty,
           max(l.unit_price) as unit_price                    -- yuan
    from intake_orders as o
    join intake_lines as l on l.order_id = o.order_id
    where o.in_period and o.status <> 'cancelled'
    group by o.order_id, o.created_at, l.sku
),

snapshot_days as (
    select distinct snapshot_date from inventory_snapshots
),

counted as (
    select snapshot_date, sku, sum(on_hand) as on_hand
    from inventory_snapshots
    group by snapshot_date, sku
),

signed as (
    select sku, posted_at,
           sum(case when movement_type = 'outbound' then -qty else qty end) as net
    from inventory_movements
    group by sku, posted_at
),

from_here as (   -- net of every movement posted at or after posted_at
    select sku, posted_at,
           sum(net) over (partition by sku order by posted_at desc
                          rows between unbounded preceding and current row) as net_from
    from signed
),

horizon as (
    select w.*, d.snapshot_date,
           d.snapshot_date + interval '1' day as snapshot_end
    from wanted as w
    asof left join snapshot_days as d on w.order_day <= d.snapshot_date
),

after_order as (
    select h.*, coalesce(a.net_from, 0) as net_after_order
    from horizon as h
    asof left join from_here as a on h.sku = a.sku and h.created_at < a.posted_at
),

after_snapshot as (
    select h.*, coalesce(a.net_from, 0) as net_after_snapshot
    from after_order as h
    asof left join from_here as a on h.sku = a.sku and h.snapshot_end <= a.posted_at
),

final as (
    select
        s.order_id, s.sku, s.created_at, s.qty, s.unit_price, s.snapshot_date,
        c.on_hand as snapshot_on_hand,
        s.net_after_order - s.net_after_snapshot as moved_since,
        c.on_hand - (s.net_after_order - s.net_after_snapshot) as on_hand
    from after_snapshot as s
    left join counted as c on c.snapshot_date = s.snapshot_date and c.sku = s.sku
)

select * from final
