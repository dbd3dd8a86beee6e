-- Sales and cost trends per channel and week ($grain = 'week', ISO weeks from Monday) or month
-- ($grain = 'month'), read across every loaded period up to $period_end (exclusive). Each channel
-- gets every bucket from its first data to the bucket holding the period's last day, so a bucket
-- without orders is a row with 0 orders (and NULL ratios), not a gap.
--   orders, units, gross_sales: orders with paid_at in the bucket (whatever happened later),
--       their order_lines units and paid_amount (yuan)
--   aov = gross_sales / orders; return_rate = return requests (distinct return_id, by
--       requested_at, channel of the order) / orders; refund_rate = refunds (by refunded_at,
--       refund's channel) / gross_sales
--   freight = courier_bill_lines payable (by bill_date, every fee type) of waybills that are
--       our shipments' tracking numbers, channel of the order of the waybill's one shipment
--       row (macro one_shipment_per_waybill: a parcel of two orders counts once);
--       freight_per_order, freight_share = freight / gross_sales
--   platform_fees = -(settlement_lines commission + fee amounts) (by settled_at), lines in a
--       foreign currency converted at the fx_rates rate of their settlement day;
--       fee_share = platform_fees / gross_sales
--   *_pop: change against the previous bucket, *_yoy: against the bucket one year earlier
--       (12 months, or 52 weeks): current / earlier - 1, NULL when the earlier bucket has no
--       data (outside the series, or 0).
with

params as (
    select
        cast($grain as varchar) as grain,
        cast($period_end as timestamp) as p_end,
        case when cast($grain as varchar) = 'month' then interval '1' month
             else interval '7' day end as step,
        case when cast($grain as varchar) = 'month' then interval '12' month
             else interval '364' day end as year_back
),

units as (
    select order_id, sum(qty) as units
    from order_lines
    group by order_id
),

sales as (
    select
        o.channel,
        date_trunc(p.grain, o.paid_at) as bucket,
        count(*) as orders,
        coalesce(sum(u.units), 0) as units,                                        -- units
        sum(o.paid_amount) as gross_sales                                          -- yuan
    from orders as o
    cross join params as p
    left join units as u on u.order_id = o.order_id
    where o.paid_at is not null and o.paid_at < p.p_end
    group by all
),

returns as (
    select o.channel, date_trunc(p.grain, r.requested_at) as bucket,
           count(distinct r.return_id) as returns
    from return_requests as r
    join orders as o on o.order_id = r.order_id
    cross join params as p
    where r.requested_at < p.p_end
    group by all
),

refunded as (
    select f.channel, date_trunc(p.grain, f.refunded_at) as bucket,
           sum(f.amount) as refunded                                               -- yuan
    from refunds as f, params as p
    where f.refunded_at < p.p_end
    group by all
),

parcel_orders as (   -- a waybill's order: its one shipment row's (one_shipment_per_waybill)
    select tracking_no, order_id
    from one_shipment_per_waybill()
),

freight as (
    select o.channel, date_trunc(p.grain, cast(b.bill_date as timestamp)) as bucket,
           sum(b.payable) as freight                                               -- yuan
    from courier_bill_lines as b
    join parcel_orders as s on s.tracking_no = b.waybill_no
    join orders as o on o.order_id = s.order_id
    cross join params as p
    where b.bill_date < p.p_end
    group by all
),

fees as (   -- foreign-currency lines at the day's reference rate
    select t.channel, date_trunc(p.grain, t.settled_at) as bucket,
           -sum(t.amount * case when t.currency = 'CNY' then 1
                                else coalesce(fx.rate_to_cny, 0) end) as platform_fees
                                                                    -- yuan, debits made positive
    from settlement_lines as t
    cross join params as p
    left join fx_rates as fx
      on fx.currency = t.currency and fx.rate_date = cast(t.settled_at as date)
    where t.line_type in ('commission', 'fee') and t.settled_at < p.p_end
    group by all
),

firsts as (
    select channel, min(bucket) as first_bucket
    from (
        select channel, bucket from sales
        union all select channel, bucket from returns
        union all select channel, bucket from refunded
        union all select channel, bucket from freight
        union all select channel, bucket from fees
    )
    group by channel
),

calendar as (
    select
        f.channel,
        unnest(generate_series(f.first_bucket,
                               date_trunc(p.grain, p.p_end - interval '1' microsecond),
                               p.step)) as bucket
    from firsts as f, params as p
),

measures as (
    select
        c.channel,
        c.bucket,
        coalesce(s.orders, 0) as orders,
        coalesce(s.units, 0) as units,
        cast(coalesce(s.gross_sales, 0) as double) as gross_sales,
        coalesce(r.returns, 0) as returns,
        cast(coalesce(f.refunded, 0) as double) as refunded,
        cast(coalesce(fr.freight, 0) as double) as freight,
        cast(coalesce(fe.platform_fees, 0) as double) as platform_fees
    from calendar as c
    left join sales as s on s.channel = c.channel and s.bucket = c.bucket
    left join returns as r on r.channel = c.channel and r.bucket = c.bucket
    left join refunded as f on f.channel = c.channel and f.bucket = c.bucket
    left join freight as fr on fr.channel = c.channel and fr.bucket = c.bucket
    left join fees as fe on fe.channel = c.channel and fe.bucket = c.bucket
),

ratios as (
    select
        *,
        gross_sales / nullif(orders, 0) as aov,                                    -- yuan
        returns / nullif(orders, 0) as return_rate,                                -- share
        refunded / nullif(gross_sales, 0) as refund_rate,                          -- share
        freight / nullif(orders, 0) as freight_per_order,                          -- yuan
        freight / nullif(gross_sales, 0) as freight_share,                         -- share
        platform_fees / nullif(gross_sales, 0) as fee_share                        -- share
    from measures
),

final as (
    select
        c.channel,
        p.grain,
        cast(c.bucket as date) as bucket_start,
        cast(c.bucket + p.step as date) as bucket_end,                             -- exclusive
        c.bucket + p.step <= p.p_end as complete,
        c.orders, c.units, c.gross_sales, c.aov,
        c.returns, c.return_rate, c.refunded, c.refund_rate,
        c.freight, c.freight_per_order, c.freight_share,
        c.platform_fees, c.fee_share,
        c.orders / nullif(pr.orders, 0) - 1 as orders_pop,
        c.gross_sales / nullif(pr.gross_sales, 0) - 1 as gross_sales_pop,
        c.aov / nullif(pr.aov, 0) - 1 as aov_pop,
        c.orders / nullif(ya.orders, 0) - 1 as orders_yoy,
        c.gross_sales / nullif(ya.gross_sales, 0) - 1 as gross_sales_yoy,
        c.aov / nullif(ya.aov, 0) - 1 as aov_yoy
    from ratios as c
    cross join params as p
    left join ratios as pr on pr.channel = c.channel and pr.bucket = c.bucket - p.step
    left join ratios as ya on ya.channel = c.channel and ya.bucket = c.bucket - p.year_back
)

select * from final
order by channel, bucket_start
