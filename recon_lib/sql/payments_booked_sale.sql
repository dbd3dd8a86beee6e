-- Sale lines booked in the period: the right side of the gross check, where an order's lines
-- are added up (items, shipping, tax, a second charge). A line listed twice counts once: its
-- copies (pay_sale_copies) are PAY_DUPLICATE_LINE instead.
create or replace temp view pay_booked_sale as
select l.*
from pay_lines as l
where l.line_type = 'sale'
  and not exists (select 1 from pay_sale_copies as c
                  where c.channel = l.channel and c.settlement_id = l.settlement_id)
