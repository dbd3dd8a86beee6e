-- Remove the findings of a check that could not be made (see coverage_withhold).
delete from discrepancies where run_id = $run_id and list_contains($codes, reason_code)
