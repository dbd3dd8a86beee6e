-- A reconciliation's findings computed on Spark (spark_rows: reason_code, key, order_id,
-- amount, explanation, details as text) into discrepancies, as recons/base.store_findings
-- stores them on DuckDB: a missing explanation leaves a pointer instead.
insert into discrepancies
select $run_id, $period, $recon, reason_code, key, order_id, cast(amount as decimal(18,2)),
       coalesce(explanation, reason_code || ': see details'), cast(details as json)
from spark_rows
