-- Deposits whose reference quotes no payout: the engine pairs them by amount and date.
create or replace temp view pay_deposits_unquoted as
select * from pay_deposits where payout_id is null
