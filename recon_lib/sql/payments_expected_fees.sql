-- Expected commission and fee lines of the orders settled in the period.
create or replace temp view pay_expected_fees as
select * from pay_expected where line_type in ('commission', 'fee')
