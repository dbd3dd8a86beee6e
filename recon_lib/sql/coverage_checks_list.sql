-- The period's checks (its latest run): not checked first, then by reconciliation.
select recon, check_name, title, codes, scope, status, reason, withheld
from coverage_checks
where period = $period
order by status = 'checked', recon, check_name, scope
