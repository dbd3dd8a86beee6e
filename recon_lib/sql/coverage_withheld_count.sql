-- How many findings a check (or one carrier / channel of it) had withheld in the run.
select count(*) from coverage_withheld
where run_id = $run_id and list_contains($codes, reason_code)
  and scope is not distinct from $scope
