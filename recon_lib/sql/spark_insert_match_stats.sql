-- The statistics of one run of one spec computed on Spark (spark_rows: state, reason_code, n,
-- amount), into match_stats with the spec itself.
insert into match_stats (run_id, spec, state, reason_code, n, amount, parameters)
select $run_id, $spec, state, reason_code, cast(n as bigint), cast(amount as decimal(18,2)),
       cast($parameters as json)
from spark_rows
