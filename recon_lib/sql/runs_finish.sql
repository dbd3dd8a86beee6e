-- Record the end of a reconciliation run.
update runs set finished_at = cast($now as timestamp) where run_id = $run_id
