-- The freight lines of the period's bills: what the match engine pairs with our parcels.
create or replace temp view freight_bill_freight as
select * from freight_bill where fee_type = 'freight'
