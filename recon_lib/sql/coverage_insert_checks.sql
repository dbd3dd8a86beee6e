-- Store the run's check statuses (a registered frame, one row per check or partition value).
insert into coverage_checks by name
select $run_id as run_id, $period as period, recon, check_name, title,
       cast(codes as varchar[]) as codes, scope, status, reason, withheld
from _recon_coverage_checks
