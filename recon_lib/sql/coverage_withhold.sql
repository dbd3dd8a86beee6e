-- Findings of a check that could not be made (a source it needs is absent): kept aside so the
-- register closes none of their items, never stored as findings.
insert into coverage_withheld
select run_id, period, recon, reason_code, key, $scope
from discrepancies
where run_id = $run_id and list_contains($codes, reason_code)
