-- The engine's right side: parcels shipped in the period, or charged by the period's bills.
-- (Earlier parcels that are only due on a bill now are judged by the unbilled rule alone.)
create or replace temp view freight_parcels_matchable as
select * from freight_parcels where matchable
