-- Customer satisfaction for a period, per channel and for all channels (channel = 'all').
--   orders         = orders paid in the period and not cancelled by its end
--   quality_per_1000 = (tickets of category 'quality' + reviews scored <= 2) x 1000 / orders
--   avg_review_score = mean score of the period's reviews (category 'review' with a score)
--   complaints_per_1000 = non-review tickets x 1000 / orders
--   on_time_rate   = parcels shipped in the period delivered on or before promised_date /
--                    delivered parcels with a promised date (NULL when none: not 0); a parcel
--                    is a waybill, under the channel of its one shipment row's order (macro
--                    one_shipment_per_waybill: two orders in one parcel count once)
--   resolution (non-review tickets opened in the period): median and p90 hours from opened_at
--                    to resolved_at of resolved tickets; within_sla_share = resolved within
--                    $sla_hours / all of them (an open ticket counts as not within the SLA and
--                    has no resolution time); reopen_rate = reopened / all of them
-- Tickets count in the period they were opened; the ticket's own channel is used.
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($sla_hours as double) as sla_hours
),

order_counts as (
    select
        case when grouping(o.channel) = 1 then 'all' else o.channel end as channel,
        count(*) as orders
    from orders as o, params as p
    where o.paid_at >= p.p_start and o.paid_at < p.p_end
      and not coalesce(o.cancelled_at < p.p_end, o.status = 'cancelled')
    group by grouping sets ((o.channel), ())
),

tickets as (
    select
        t.*,
        date_diff('second', t.opened_at, t.resolved_at) / 3600.0 as resolution_hours  -- hours
    from service_tickets as t, params as p
    where t.opened_at >= p.p_start and t.opened_at < p.p_end
),

ticket_stats as (
    select
        case when grouping(channel) = 1 then 'all' else channel end as channel,
        count(*) filter (where category = 'quality') as quality_tickets,
        count(*) filter (where category = 'review' and score <= 2) as low_reviews,
        count(score) filter (where category = 'review') as reviews,
        avg(score) filter (where category = 'review') as avg_review_score,
        count(*) filter (where category <> 'review') as complaints,
        count(resolved_at) filter (where category <> 'review') as resolved,
        median(resolution_hours) filter (where category <> 'review') as median_resolution_hours,
        quantile_cont(resolution_hours, 0.9) filter (where category <> 'review')
            as p90_resolution_hours,
        count(*) filter (where category <> 'review'
                         and resolution_hours <= (select sla_hours from params)) as within_sla,
        count(*) filter (where category <> 'review' and reopened) as reopened
    from tickets
    group by grouping sets ((channel), ())
),

delivery as (
    select
        case when grouping(o.channel) = 1 then 'all' else o.channel end as channel,
        count(e.delivered_at) filter (where e.promised_date is not null) as judged,
        count(*) filter (where cast(e.delivered_at as date) <= e.promised_date) as on_time
    from one_shipment_per_waybill() as s
    cross join params as p
    join orders as o on o.order_id = s.order_id
    left join (select tracking_no,
                      min(case when event_type = 'delivered' then event_time end) as delivered_at,
                      max(promised_date) as promised_date
               from tracking_events group by tracking_no) as e on e.tracking_no = s.tracking_no
    where s.ship_time >= p.p_start and s.ship_time < p.p_end
    group by grouping sets ((o.channel), ())
),

channels as (
    select channel from order_counts
    union select channel from ticket_stats
    union select channel from delivery
),

final as (
    select
        c.channel,
        coalesce(oc.orders, 0) as orders,
        coalesce(ts.quality_tickets, 0) as quality_tickets,
        coalesce(ts.low_reviews, 0) as low_reviews,
        (coalesce(ts.quality_tickets, 0) + coalesce(ts.low_reviews, 0)) * 1000.0
            / nullif(oc.orders, 0) as quality_per_1000,
        coalesce(ts.reviews, 0) as reviews,
        ts.avg_review_score,
        coalesce(ts.complaints, 0) as complaints,
        coalesce(ts.complaints, 0) * 1000.0 / nullif(oc.orders, 0) as complaints_per_1000,
        coalesce(d.judged, 0) as delivered_judged,
        coalesce(d.on_time, 0) as delivered_on_time,
        d.on_time / nullif(d.judged, 0) as on_time_rate,
        coalesce(ts.resolved, 0) as resolved,
        ts.median_resolution_hours,
        ts.p90_resolution_hours,
        ts.within_sla / nullif(ts.complaints, 0) as within_sla_share,
        ts.reopened / nullif(ts.complaints, 0) as reopen_rate
    from channels as c
    left join order_counts as oc on oc.channel = c.channel
    left join ticket_stats as ts on ts.channel = c.channel
    left join delivery as d on d.channel = c.channel
)

select * from final
order by channel = 'all' desc, channel
