-- Batches no deposit quotes: the engine pairs them with the courier's deposits by amount and day.
create or replace temp view cod_batches_unquoted as
select * from cod_batches
where batch_id not in (select batch_id from cod_deposits where batch_id is not null)
