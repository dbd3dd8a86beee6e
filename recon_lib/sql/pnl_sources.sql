-- Per channel, what the P&L's "not known" rules need: the period's sold orders (paid in it,
-- shipped by its end), whether the channel has settlement lines in the period, and its
-- settlement currency (the most used).
with

bounds as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end
),

sold as (
    select o.channel, count(*) as orders
    from orders as o, bounds as b
    where o.paid_at >= b.p_start and o.paid_at < b.p_end
      and exists (select 1 from shipments as s
                  where s.order_id = o.order_id and s.ship_time < b.p_end)
    group by o.channel
),

settled as (
    select l.channel, count(*) as settlement_lines, mode(l.currency) as currency
    from settlement_lines as l, bounds as b
    where l.settled_at >= b.p_start and l.settled_at < b.p_end
    group by l.channel
),

final as (
    select coalesce(s.channel, t.channel) as channel,
           coalesce(s.orders, 0) as orders,
           coalesce(t.settlement_lines, 0) as settlement_lines,
           coalesce(t.currency, 'CNY') as currency
    from sold as s
    full outer join settled as t on t.channel = s.channel
)

select * from final order by channel
