-- CNY payouts that no deposit's reference quotes: the engine pairs them by amount and date.
create or replace temp view pay_payouts_unquoted as
select * from pay_payouts
where currency = 'CNY'
  and payout_id not in (select payout_id from pay_deposits where payout_id is not null)
