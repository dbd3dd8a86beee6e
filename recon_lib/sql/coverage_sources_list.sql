-- The period's source states (its latest run), tables first then their columns.
select source, span, state, rows, files
from coverage_sources
where period = $period
order by span, split_part(source, '.', 1), source
