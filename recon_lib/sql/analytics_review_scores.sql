-- Review scores of the period per product category. A review (ticket of category 'review' with a
-- score, opened in the period) that names a SKU counts once, in that SKU's category (also when
-- the SKU is not a line of its order: the customer named the product); one without a SKU counts
-- once in every category of the order it reviews. Reviews whose SKU, or whose order's SKUs,
-- have no category, and reviews with neither SKU nor order, count under category NULL.
--   avg_score (1..5), low_share = reviews scored <= 2 / reviews, score_1 .. score_5 = counts
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end
),

reviews as (
    select
        t.ticket_id,
        t.order_id,
        nullif(trim(t.sku), '') as sku,  -- a blank cell names no SKU: the whole order
        t.score
    from service_tickets as t, params as p
    where t.category = 'review' and t.score is not null
      and t.opened_at >= p.p_start and t.opened_at < p.p_end
),

order_categories as (
    select distinct l.order_id, pr.category
    from order_lines as l
    join products as pr on pr.sku = l.sku
    where pr.category is not null
),

attributed as (
    -- the category of the SKU the review names
    select r.ticket_id, r.score, pr.category
    from reviews as r
    left join products as pr on pr.sku = r.sku
    where r.sku is not null
    union all
    -- no SKU named: every category of the order
    select r.ticket_id, r.score, oc.category
    from reviews as r
    left join order_categories as oc on oc.order_id = r.order_id
    where r.sku is null
),

final as (
    select
        category,
        count(*) as reviews,
        avg(score) as avg_score,
        count(*) filter (where score <= 2) / count(*) as low_share,
        count(*) filter (where score = 1) as score_1,
        count(*) filter (where score = 2) as score_2,
        count(*) filter (where score = 3) as score_3,
        count(*) filter (where score = 4) as score_4,
        count(*) filter (where score = 5) as score_5
    from attributed
    group by category
)

select * from final
order by avg_score, category nulls last
