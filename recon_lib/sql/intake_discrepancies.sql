-- Intake findings: each order that came in during the period, as it came in, whatever happened
-- to it later (a cancelled order is judged too: what was wrong at intake stays wrong). Judged
-- once, in the period it came in: paid in it, or placed in it when never paid (intake_orders). Phone, address and postcode are judged on mainland orders
-- (in CNY): a cross-border order's address is not a mainland one. Personal data never reaches a
-- finding: a phone is shown masked (mask_phone, the rule of recon_lib/privacy.py), a name or an
-- address not at all.
with

orders_of as (
    select * from intake_orders where in_period
),

places as (
    select o.order_id,
           pv.province as province_named,
           ct.province as province_of_city,
           pc.province as province_of_postcode
    from orders_of as o
    left join intake_places as pv on pv.kind = 'province' and pv.text = o.ship_province
    left join intake_places as ct on ct.kind = 'city' and ct.text = o.ship_city
    left join intake_places as pc on pc.kind = 'postcode' and pc.text = o.ship_postcode
),

bad_phone as (
    select
        'INTAKE_BAD_PHONE' as reason_code,
        o.order_id as key,
        o.order_id,
        o.paid_amount as amount,
        'phone ' || coalesce(mask_phone(o.customer_phone), '(no digits)')
            || ' is neither a mainland mobile nor a landline with its area code' as explanation,
        to_json({'phone': mask_phone(o.customer_phone), 'channel': o.channel}) as details
    from orders_of as o
    where o.currency = 'CNY' and nullif(trim(o.customer_phone), '') is not null
      and not valid_cn_phone(o.customer_phone)
),

bad_address as (
    select
        'INTAKE_BAD_ADDRESS' as reason_code,
        o.order_id as key,
        o.order_id,
        o.paid_amount as amount,
        case
            when nullif(trim(o.ship_province), '') is null and nullif(trim(o.ship_city), '') is null
                then 'the address has neither province nor city'
            when nullif(trim(o.ship_province), '') is null
                then 'the address has no province (city ' || o.ship_city || ')'
            when nullif(trim(o.ship_city), '') is null
                then 'the address has no city (province ' || o.ship_province || ')'
            else 'city ' || o.ship_city || ' lies in ' || p.province_of_city || ', not in '
                 || p.province_named
        end as explanation,
        to_json({'province': o.ship_province, 'city': o.ship_city,
                 'province_of_city': p.province_of_city, 'channel': o.channel}) as details
    from orders_of as o
    join places as p on p.order_id = o.order_id
    where o.currency = 'CNY'
      and (nullif(trim(o.ship_province), '') is null or nullif(trim(o.ship_city), '') is null
           or p.province_of_city <> p.province_named)
),

bad_postcode as (
    select
        'INTAKE_BAD_POSTCODE' as reason_code,
        o.order_id as key,
        o.order_id,
        o.paid_amount as amount,
        case when p.province_of_postcode is null
             then 'postcode ' || o.ship_postcode || ' is not a mainland postcode'
             else 'postcode ' || o.ship_postcode || ' belongs to ' || p.province_of_postcode
                  || ', the address is in ' || p.province_named
        end as explanation,
        to_json({'postcode': o.ship_postcode, 'province': p.province_named,
                 'province_of_postcode': p.province_of_postcode, 'channel': o.channel})
            as details
    from orders_of as o
    join places as p on p.order_id = o.order_id
    where o.currency = 'CNY' and nullif(trim(o.ship_postcode), '') is not null
      and (p.province_of_postcode is null
           or p.province_of_postcode <> p.province_named)
),

sku_lines as (   -- one row per order and SKU: the same SKU may be on two lines
    select l.order_id, l.sku, sum(l.qty) as qty, sum(l.line_amount) as line_amount,
           max(l.unit_price) as unit_price, bool_and(l.known) as known,
           any_value(l.active) as active, any_value(l.list_price) as list_price,
           any_value(l.unit_cost) as unit_cost,
           sum(abs(l.unit_price - l.list_price) * l.qty) as off_list,
           bool_or(abs(l.unit_price - l.list_price)
                   > cast($price_tolerance as decimal(9,6)) * l.list_price) as beyond_tolerance,
           bool_or(l.unit_price < l.unit_cost) as below_cost
    from intake_lines as l
    where l.order_id in (select order_id from orders_of)
    group by l.order_id, l.sku
),

unknown_sku as (
    select
        'INTAKE_UNKNOWN_SKU' as reason_code,
        s.order_id || '|' || s.sku as key,
        s.order_id,
        s.line_amount as amount,
        s.qty || ' x ' || s.sku || ' ordered: no such SKU in the product master' as explanation,
        to_json({'sku': s.sku, 'qty': s.qty, 'line_amount': s.line_amount,
                 'channel': o.channel}) as details
    from sku_lines as s
    join orders_of as o on o.order_id = s.order_id
    where not s.known
),

inactive_sku as (
    select
        'INTAKE_INACTIVE_SKU' as reason_code,
        s.order_id || '|' || s.sku as key,
        s.order_id,
        s.line_amount as amount,
        s.qty || ' x ' || s.sku || ' ordered: the product master marks it discontinued'
            as explanation,
        to_json({'sku': s.sku, 'qty': s.qty, 'line_amount': s.line_amount,
                 'channel': o.channel}) as details
    from sku_lines as s
    join orders_of as o on o.order_id = s.order_id
    where s.known and s.active = false
),

price_off_list as (
    select
        'INTAKE_PRICE_OFF_LIST' as reason_code,
        s.order_id || '|' || s.sku as key,
        s.order_id,
        s.off_list as amount,
        s.qty || ' x ' || s.sku || ' at ' || s.unit_price || ', list price ' || s.list_price
            || case when s.below_cost then ', below its cost ' || s.unit_cost
                    else ' (beyond the ' || round(100 * $price_tolerance, 1) || '% tolerance)'
               end as explanation,
        to_json({'sku': s.sku, 'qty': s.qty, 'unit_price': s.unit_price,
                 'list_price': s.list_price, 'unit_cost': s.unit_cost,
                 'below_cost': coalesce(s.below_cost, false),
                 'tolerance': $price_tolerance, 'channel': o.channel}) as details
    from sku_lines as s
    join orders_of as o on o.order_id = s.order_id
    where s.known and (s.beyond_tolerance or s.below_cost)
),

totals as (
    select l.order_id, sum(l.line_amount) as lines_total,
           count(*) filter (where l.line_amount is null) as unpriced
    from intake_lines as l
    group by l.order_id
),

total_mismatch as (
    select
        'INTAKE_TOTAL_MISMATCH' as reason_code,
        o.order_id as key,
        o.order_id,
        abs(o.paid_amount - x.expected) as amount,
        'lines ' || t.lines_total || ' + freight ' || coalesce(o.shipping_fee, 0)
            || ' - discounts ' || coalesce(o.discount, 0) || ' = ' || x.expected
            || ', the buyer paid ' || o.paid_amount as explanation,
        to_json({'lines_total': t.lines_total, 'shipping_fee': coalesce(o.shipping_fee, 0),
                 'discount': coalesce(o.discount, 0), 'expected': x.expected,
                 'paid_amount': o.paid_amount, 'channel': o.channel}) as details
    from orders_of as o
    join totals as t on t.order_id = o.order_id and t.unpriced = 0
    cross join lateral (
        select t.lines_total + coalesce(o.shipping_fee, 0) - coalesce(o.discount, 0) as expected
    ) as x
    where abs(o.paid_amount - x.expected) > cast($amount_tolerance as decimal(18,2))
),

items as (
    select order_id, string_agg(sku || ' x ' || qty, ', ' order by sku, qty) as items
    from intake_lines
    group by order_id
),

buyers as (   -- orders still standing, with what they asked for and who for
    select o.order_id, o.created_at, o.in_period, o.paid_amount, o.channel,
           coalesce(o.customer_name, '') as name, coalesce(o.customer_phone, '') as phone,
           o.ship_address, i.items
    from intake_orders as o
    join items as i on i.order_id = o.order_id
    where o.status <> 'cancelled' and nullif(trim(o.ship_address), '') is not null
      and (o.customer_name is not null or o.customer_phone is not null)
),

pairs as (
    select later.order_id, later.paid_amount, later.channel, later.created_at,
           arg_max(earlier.order_id, earlier.created_at) as first_order,
           max(earlier.created_at) as first_at, any_value(later.items) as items
    from buyers as later
    join buyers as earlier
      on earlier.ship_address = later.ship_address and earlier.items = later.items
     and earlier.name = later.name and earlier.phone = later.phone
     and (earlier.created_at < later.created_at
          or (earlier.created_at = later.created_at and earlier.order_id < later.order_id))
     and earlier.created_at >= later.created_at
                               - cast($duplicate_minutes as integer) * interval '1' minute
    where later.in_period
    group by later.order_id, later.paid_amount, later.channel, later.created_at
),

likely_duplicate as (
    select
        'INTAKE_LIKELY_DUPLICATE' as reason_code,
        p.order_id as key,
        p.order_id,
        p.paid_amount as amount,
        'the same buyer ordered ' || p.items || ' to the same address '
            || date_diff('minute', p.first_at, p.created_at) || ' minute(s) after order '
            || p.first_order as explanation,
        to_json({'first_order': p.first_order, 'first_at': p.first_at,
                 'minutes': date_diff('minute', p.first_at, p.created_at), 'items': p.items,
                 'channel': p.channel}) as details
    from pairs as p
),

over_stock as (
    select
        'INTAKE_OVER_STOCK' as reason_code,
        s.order_id || '|' || s.sku as key,
        s.order_id,
        (s.qty - greatest(s.on_hand, 0)) * s.unit_price as amount,
        'ordered ' || s.qty || ' x ' || s.sku || ' at ' || strftime(s.created_at, '%Y-%m-%d %H:%M')
            || ', ' || s.on_hand || ' on hand then (snapshot of ' || s.snapshot_date || ': '
            || s.snapshot_on_hand || ', ' || s.moved_since || ' moved since the order)'
            as explanation,
        to_json({'sku': s.sku, 'qty': s.qty, 'on_hand': s.on_hand,
                 'snapshot_date': s.snapshot_date, 'snapshot_on_hand': s.snapshot_on_hand,
                 'moved_since': s.moved_since, 'ordered_at': s.created_at,
                 'channel': o.channel}) as details
    from intake_stock as s
    join orders_of as o on o.order_id = s.order_id
    where s.qty > s.on_hand
),

payment_time as (
    select
        'INTAKE_PAYMENT_TIME' as reason_code,
        o.order_id as key,
        o.order_id,
        o.paid_amount as amount,
        case when o.paid_at is null
             then 'status ' || o.status || ' but no payment time'
             else 'paid ' || strftime(o.paid_at, '%Y-%m-%d %H:%M:%S') || ', before it was created '
                  || strftime(o.created_at, '%Y-%m-%d %H:%M:%S')
        end as explanation,
        to_json({'status': o.status, 'created_at': o.created_at, 'paid_at': o.paid_at,
                 'channel': o.channel}) as details
    from orders_of as o
    where (o.status in ('paid', 'completed') and o.paid_at is null)
       or o.paid_at < o.created_at
),

final as (
    select * from bad_phone
    union all select * from bad_address
    union all select * from bad_postcode
    union all select * from unknown_sku
    union all select * from inactive_sku
    union all select * from price_off_list
    union all select * from total_mismatch
    union all select * from likely_duplicate
    union all select * from over_stock
    union all select * from payment_time
)

select * from final
order by reason_code, key
