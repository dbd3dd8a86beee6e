-- The period's comparisons not made on some rows (its latest run), most rows first.
select recon, reason_code, field, rows, reason
from coverage_rows
where period = $period
order by rows desc, recon, reason_code
