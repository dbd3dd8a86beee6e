-- Commission and fee lines booked in the period, for orders we know.
create or replace temp view pay_booked_fees as
select * from pay_lines
where line_type in ('commission', 'fee')
  and order_id in (select order_id from pay_expected)
