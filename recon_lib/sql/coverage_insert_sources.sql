-- Store the run's source states (a registered frame: source, span, state, rows, files).
insert into coverage_sources by name
select $run_id as run_id, $period as period, source, span, state, rows, cast(files as json) as files
from _recon_coverage_sources
