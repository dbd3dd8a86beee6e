-- Cross-warehouse rebalancing: for each SKU, move stock from warehouses holding more than
-- $target_multiple x their safety stock to warehouses below their safety stock.
--   excess (donor)   = on_hand - ceil($target_multiple x safety_stock)                 (units)
--   need (receiver)  = safety_stock - on_hand           (brings the receiver back to safety)
-- Donors are taken largest excess first, receivers largest need first, and the units are
-- allocated in that order (each donor's excess and each receiver's need laid end to end; a pair
-- gets the overlap), so no donor gives more than its excess and no receiver gets more than its
-- need. Latest snapshot in the period per warehouse x SKU; rows without a safety stock are left
-- out.
with

params as (
    select
        cast($period_start as date) as d_start,
        cast($period_end as date) as d_end,
        cast($target_multiple as double) as target_multiple
),

latest as (
    select s.warehouse, s.sku, s.on_hand, s.safety_stock
    from inventory_snapshots as s, params as p
    where s.snapshot_date >= p.d_start and s.snapshot_date < p.d_end
      and s.safety_stock is not null
    qualify row_number() over (partition by s.warehouse, s.sku
                               order by s.snapshot_date desc) = 1
),

donors as (
    select
        l.*,
        l.on_hand - cast(ceil(p.target_multiple * l.safety_stock) as integer) as excess
    from latest as l, params as p
    where l.on_hand > p.target_multiple * l.safety_stock
),

receivers as (
    select l.*, l.safety_stock - l.on_hand as need
    from latest as l
    where l.on_hand < l.safety_stock
),

donor_ranges as (
    select
        *,
        sum(excess) over (partition by sku order by excess desc, warehouse
                          rows between unbounded preceding and current row) as hi
    from donors
    where sku in (select sku from receivers)
),

receiver_ranges as (
    select
        *,
        sum(need) over (partition by sku order by need desc, warehouse
                        rows between unbounded preceding and current row) as hi
    from receivers
),

final as (
    select
        d.sku,
        pr.category,
        d.warehouse as from_warehouse,
        d.on_hand as from_on_hand,
        d.safety_stock as from_safety_stock,
        r.warehouse as to_warehouse,
        r.on_hand as to_on_hand,
        r.safety_stock as to_safety_stock,
        cast(least(d.hi, r.hi) - greatest(d.hi - d.excess, r.hi - r.need) as integer) as qty
    from donor_ranges as d
    join receiver_ranges as r
      on r.sku = d.sku
     and least(d.hi, r.hi) > greatest(d.hi - d.excess, r.hi - r.need)
    left join products as pr on pr.sku = d.sku
)

select * from final
order by sku, from_warehouse, to_warehouse
