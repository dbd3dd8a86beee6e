-- The worst of the period, with the numbers behind each row (kind 'sku', 'carrier', 'province'):
--   sku:      quality complaints per 1,000 units sold. Complaints = tickets opened in the period
--             of category 'quality' or reviews scored <= 2. A ticket that names a SKU counts
--             against that SKU only, also when the SKU is not a line of its order (or it has no
--             order): the customer named the product, and the order may be mistyped or another
--             one of theirs. A ticket without a SKU counts against every SKU of its order.
--             Units = order_lines qty of orders paid in the period and not cancelled by its
--             end. Only SKUs with >= $min_units units and at least one complaint; worst =
--             highest rate.
--   carrier / province: on-time rate of parcels shipped in the period (delivered on or before
--             promised_date / delivered with a promised date), only with >= $min_parcels such
--             parcels and at least one late; worst = lowest rate.
-- The first $top of each kind, ties broken by volume (larger first) then name.
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($min_units as integer) as min_units,
        cast($min_parcels as integer) as min_parcels,
        cast($top as integer) as top
),

units_sold as (
    select l.sku, sum(l.qty) as units
    from orders as o
    join order_lines as l on l.order_id = o.order_id
    cross join params as p
    where o.paid_at >= p.p_start and o.paid_at < p.p_end
      and not coalesce(o.cancelled_at < p.p_end, o.status = 'cancelled')
    group by l.sku
),

complaint_tickets as (
    select
        t.ticket_id,
        t.order_id,
        nullif(trim(t.sku), '') as sku  -- a blank cell names no SKU: the whole order
    from service_tickets as t
    cross join params as p
    where t.opened_at >= p.p_start and t.opened_at < p.p_end
      and (t.category = 'quality' or (t.category = 'review' and t.score <= 2))
),

attributed as (
    -- the SKU the ticket names, whether or not its order has it
    select ticket_id, sku
    from complaint_tickets
    where sku is not null
    union all
    -- no SKU named: every SKU of the order
    select c.ticket_id, l.sku
    from complaint_tickets as c
    join order_lines as l on l.order_id = c.order_id
    where c.sku is null
),

complaints as (
    select sku, count(distinct ticket_id) as complaints
    from attributed
    group by sku
),

sku_rows as (
    select
        'sku' as kind,
        u.sku as name,
        'quality complaints per 1000 units' as metric,
        c.complaints * 1000.0 / u.units as value,
        c.complaints as numerator,
        u.units as denominator,
        c.complaints || ' quality complaints on ' || u.units || ' units sold' as evidence,
        row_number() over (order by c.complaints * 1000.0 / u.units desc, u.units desc, u.sku)
            as rank
    from units_sold as u
    join complaints as c on c.sku = u.sku
    cross join params as p
    where u.units >= p.min_units
),

parcels as (   -- a parcel is a waybill, once however many orders it carries
    select
        s.carrier,
        short_province(s.dest_province) as province,
        cast(e.delivered_at as date) <= e.promised_date as on_time
    from one_shipment_per_waybill() as s
    cross join params as p
    join (select tracking_no,
                 min(case when event_type = 'delivered' then event_time end) as delivered_at,
                 max(promised_date) as promised_date
          from tracking_events group by tracking_no) as e on e.tracking_no = s.tracking_no
    where s.ship_time >= p.p_start and s.ship_time < p.p_end
      and e.delivered_at is not null and e.promised_date is not null
),

delivery as (
    select
        case when grouping(province) = 1 then 'carrier' else 'province' end as kind,
        case when grouping(province) = 1 then carrier else province end as name,
        count(*) filter (where on_time) as on_time,
        count(*) as judged
    from parcels
    group by grouping sets ((carrier), (province))
),

delivery_rows as (
    select
        d.kind,
        d.name,
        'on-time rate' as metric,
        d.on_time / d.judged as value,
        d.on_time as numerator,
        d.judged as denominator,
        d.on_time || ' of ' || d.judged || ' delivered parcels on time' as evidence,
        row_number() over (partition by d.kind
                           order by d.on_time / d.judged, d.judged desc, d.name) as rank
    from delivery as d, params as p
    where d.name is not null and d.judged >= p.min_parcels and d.on_time < d.judged
),

final as (
    select kind, rank, name, metric, value, numerator, denominator, evidence
    from (select * from sku_rows union all by name select * from delivery_rows)
    where rank <= (select top from params)
)

select * from final
order by case kind when 'sku' then 1 when 'carrier' then 2 else 3 end, rank
