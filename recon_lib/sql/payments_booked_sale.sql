-- Sale lines booked in the period: the right side of the gross check.
create or replace temp view pay_booked_sale as
select * from pay_lines where line_type = 'sale'
