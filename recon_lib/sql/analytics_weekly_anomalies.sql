-- Weekly orders per channel judged against the channel's own history: the median and the median
-- absolute deviation (MAD) of the previous $history_weeks weeks (at least $min_history of them).
--   orders    = orders with paid_at in the ISO week (Monday start), as in analytics_channel_trends;
--               a week without orders counts as 0
--   robust_sd = 1.4826 x MAD;  z = (orders - median) / robust_sd
--   anomaly   = |z| > $threshold; when MAD = 0 (a flat history) z is NULL and any week that
--               differs from the median is an anomaly. Weeks with too little history, and the
--               unfinished week at the period end, are not judged (anomaly NULL).
with

params as (
    select
        cast($period_end as timestamp) as p_end,
        cast($threshold as double) as threshold,
        cast($min_history as integer) as min_history,
        cast($history_weeks as integer) as history_weeks
),

paid as (
    select o.channel, date_trunc('week', o.paid_at) as week, count(*) as orders
    from orders as o, params as p
    where o.paid_at is not null and o.paid_at < p.p_end
    group by all
),

calendar as (
    select
        f.channel,
        unnest(generate_series(f.first_week,
                               date_trunc('week', p.p_end - interval '1' microsecond),
                               interval '7' day)) as week
    from (select channel, min(week) as first_week from paid group by channel) as f, params as p
),

weeks as (
    select c.channel, c.week, coalesce(w.orders, 0) as orders
    from calendar as c
    left join paid as w on w.channel = c.channel and w.week = c.week
),

history as (
    select w.channel, w.week, h.orders as past
    from weeks as w
    cross join params as p
    join weeks as h
      on h.channel = w.channel and h.week < w.week
     and h.week >= w.week - p.history_weeks * interval '7' day
),

centre as (
    select channel, week, count(*) as history, median(past) as median
    from history
    group by channel, week
),

spread as (
    select h.channel, h.week, median(abs(h.past - c.median)) as mad
    from history as h
    join centre as c on c.channel = h.channel and c.week = h.week
    group by h.channel, h.week
),

scored as (
    select
        w.channel,
        cast(w.week as date) as week_start,
        w.week + interval '7' day <= p.p_end as complete,
        w.orders,
        coalesce(c.history, 0) as weeks_of_history,
        c.median,
        s.mad,
        1.4826 * s.mad as robust_sd,
        (w.orders - c.median) / nullif(1.4826 * s.mad, 0) as z,
        coalesce(c.history, 0) >= p.min_history and w.week + interval '7' day <= p.p_end
            as judged,
        p.threshold
    from weeks as w
    cross join params as p
    left join centre as c on c.channel = w.channel and c.week = w.week
    left join spread as s on s.channel = w.channel and s.week = w.week
),

flagged as (
    select
        *,
        case
            when not judged then null
            when mad = 0 then orders <> median
            else abs(z) > threshold
        end as anomaly
    from scored
),

final as (
    select
        channel, week_start, complete, orders, weeks_of_history, median, mad, robust_sd, z,
        anomaly,
        case when anomaly then (case when orders > median then 'high' else 'low' end) end
            as direction
    from flagged
)

select * from final
order by channel, week_start
