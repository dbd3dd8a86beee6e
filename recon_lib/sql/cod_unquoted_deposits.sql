-- COD deposits that quote no batch, with the courier their counterparty names (for blocking).
create or replace temp view cod_deposits_unquoted as
select txn_id, carrier, booked_at, amount from cod_deposits
where batch_id is null and carrier is not null
