-- Sale lines of the period that repeat an earlier line: the same line listed twice. A line is
-- the same line as another when both have the same channel, order, amount, currency, booking
-- time and line_ref (the platform's own line id, or the cells naming the item and the kind of
-- amount where it has none: see schema.py). Two lines of one order that differ in any of these
-- (two items, an item's price and its shipping, a second charge of another amount, a line with
-- another 流水号) are two lines, added up by the sale check. The first listing (file, then row,
-- then id) is the line; each later one is a copy: PAY_DUPLICATE_LINE, kept out of the sum.
create or replace temp table pay_sale_copies as
with

sales as (
    select channel, settlement_id, order_id, amount, currency, settled_at, line_ref,
           source_file, source_row
    from pay_lines
    where line_type = 'sale' and order_id is not null
),

several as (   -- orders with more than one sale line: few, and cheap to find (one key)
    select order_id from sales group by order_id having count(*) > 1
),

repeated as (   -- usually none
    select channel, order_id, amount, currency, settled_at, line_ref
    from sales
    where order_id in (select order_id from several)
    group by all
    having count(*) > 1
),

listed as (
    select
        s.channel, s.settlement_id,
        first_value(s.settlement_id) over same_line as first_id,
        row_number() over same_line as copy,
        count(*) over (partition by s.channel, s.order_id, s.amount, s.currency, s.settled_at,
                                    s.line_ref) as copies
    from sales as s
    join repeated as r
      on r.channel = s.channel and r.order_id = s.order_id and r.amount = s.amount
     and r.currency = s.currency and r.settled_at = s.settled_at
     and r.line_ref is not distinct from s.line_ref
    window same_line as (partition by s.channel, s.order_id, s.amount, s.currency, s.settled_at,
                                      s.line_ref
                         order by s.source_file, s.source_row, s.settlement_id)
),

final as (select * from listed where copy > 1)

select * from final
