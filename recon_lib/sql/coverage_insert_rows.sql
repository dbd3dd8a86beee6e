-- Store the rows each reconciliation could not compare (a registered frame).
insert into coverage_rows by name
select $run_id as run_id, $period as period, recon, reason_code, field, rows, reason
from _recon_coverage_rows
