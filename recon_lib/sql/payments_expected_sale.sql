-- The engine's sides for order-to-settlement matching: expected lines vs booked lines.
create or replace temp view pay_expected_sale as
select * from pay_expected where line_type = 'sale'
