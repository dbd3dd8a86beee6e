-- How many findings a reconciliation stored in a run.
select count(*) as findings from discrepancies where run_id = $run_id and recon = $recon
