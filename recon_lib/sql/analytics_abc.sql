-- ABC classification of SKUs by the period's revenue: order_lines qty x unit_price of orders
-- paid in the period and not cancelled by its end (cancelled_at decides, else the status).
-- SKUs are ranked by revenue (ties by SKU); `share_before` is the share of revenue of the SKUs
-- ranked above. A: share_before < $a_share (the SKUs making the first 80%, including the one
-- that crosses 80%); B: share_before < $b_share; C: the rest, and every SKU without revenue.
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($a_share as double) as a_share,
        cast($b_share as double) as b_share
),

sold as (
    select
        l.sku,
        sum(l.qty) as units,                                                       -- units
        sum(coalesce(l.qty * l.unit_price, l.line_amount)) as revenue              -- yuan
    from orders as o
    join order_lines as l on l.order_id = o.order_id
    cross join params as p
    where o.paid_at >= p.p_start and o.paid_at < p.p_end
      and not coalesce(o.cancelled_at < p.p_end, o.status = 'cancelled')
    group by l.sku
),

skus as (
    select sku from products
    union
    select sku from sold
),

ranked as (
    select
        k.sku,
        pr.category,
        coalesce(s.units, 0) as units,
        cast(coalesce(s.revenue, 0) as double) as revenue,
        row_number() over (order by coalesce(s.revenue, 0) desc, k.sku) as revenue_rank,
        cast(sum(coalesce(s.revenue, 0)) over (order by coalesce(s.revenue, 0) desc, k.sku
                                               rows between unbounded preceding
                                               and current row) as double) as cum_revenue,
        cast(sum(coalesce(s.revenue, 0)) over () as double) as total_revenue
    from skus as k
    left join sold as s on s.sku = k.sku
    left join products as pr on pr.sku = k.sku
),

final as (
    select
        r.sku,
        r.category,
        r.units,
        r.revenue,
        r.revenue_rank,
        r.revenue / nullif(r.total_revenue, 0) as share,
        r.cum_revenue / nullif(r.total_revenue, 0) as cum_share,
        (r.cum_revenue - r.revenue) / nullif(r.total_revenue, 0) as share_before,
        case
            when r.revenue <= 0 then 'C'
            when (r.cum_revenue - r.revenue) / r.total_revenue < p.a_share then 'A'
            when (r.cum_revenue - r.revenue) / r.total_revenue < p.b_share then 'B'
            else 'C'
        end as abc_class
    from ranked as r, params as p
)

select * from final
order by revenue_rank
