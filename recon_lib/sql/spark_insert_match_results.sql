-- The stored rows of one run of one spec computed on Spark (spark_rows: the columns of
-- match_results, JSON as text), into match_results.
insert into match_results (run_id, spec, state, reason_code, key, left_ids, right_ids,
                           left_values, right_values, amount, explanation, details)
select run_id, spec, state, reason_code, key, left_ids, right_ids,
       cast(left_values as json), cast(right_values as json), cast(amount as decimal(18,2)),
       explanation, cast(details as json)
from spark_rows
