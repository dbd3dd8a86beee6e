-- What each order settled in the period should show, per settlement line type, in the line's
-- currency: the sale = what the buyer paid; commission and fee = the fee schedule in effect on
-- the settlement day (Σ goods amount x rate, rounded half up once, plus any fixed fee).
-- Foreign-currency lines: the CNY figure converted at the day's reference rate, to the cent.
create or replace temp table pay_expected as
with

settled as (   -- orders with a sale credited in the period, and the currency and day of it
    select order_id, any_value(channel) as channel, any_value(currency) as currency,
           min(settled_at) as settled_at, any_value(rate_to_cny) as rate_to_cny
    from pay_lines
    where line_type = 'sale'
    group by order_id
),

lines as (
    select s.order_id, s.channel, s.currency, s.rate_to_cny, s.settled_at,
           ol.line_amount, p.category
    from settled as s
    join order_lines as ol on ol.order_id = s.order_id
    left join products as p on p.sku = ol.sku
),

rated as (
    select l.*, fs.line_type, fs.rate, fs.fixed_amount
    from lines as l
    join fee_schedules as fs
      on fs.channel = l.channel
     and (fs.category = l.category or (fs.category is null and not exists (
            select 1 from fee_schedules as f2
            where f2.channel = l.channel and f2.line_type = fs.line_type
              and f2.category = l.category
              and cast(l.settled_at as date) >= f2.effective_from
              and (f2.effective_to is null or cast(l.settled_at as date) <= f2.effective_to))))
     and cast(l.settled_at as date) >= fs.effective_from
     and (fs.effective_to is null or cast(l.settled_at as date) <= fs.effective_to)
),

fees_cny as (
    select order_id, line_type, any_value(currency) as currency, any_value(rate_to_cny) as rate,
           round(sum(line_amount * coalesce(rate, 0)), 2) + coalesce(max(fixed_amount), 0)
               as amount_cny
    from rated
    group by order_id, line_type
),

sales_cny as (
    select s.order_id, 'sale' as line_type, s.currency, s.rate_to_cny as rate,
           o.paid_amount as amount_cny
    from settled as s
    join orders as o on o.order_id = s.order_id
),

final as (
    select
        order_id || '|' || line_type as expected_id,
        order_id,
        line_type,
        currency,
        cast(case when line_type = 'sale' then 1 else -1 end
             * case when currency = 'CNY' then amount_cny
                    else round(amount_cny / rate, 2) end as decimal(18,2))
            as amount   -- in the line's currency
    from (select * from sales_cny union all select * from fees_cny)
    where amount_cny <> 0
)

select * from final
