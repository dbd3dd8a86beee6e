-- Findings about orders of a channel none of whose settlement lines was loaded for the period:
-- kept aside, not stored.
insert into coverage_withheld
select d.run_id, d.period, d.recon, d.reason_code, d.key, $scope
from discrepancies as d
where d.run_id = $run_id and list_contains($codes, d.reason_code)
  and d.order_id in (select order_id from orders where channel = $scope)
