-- Remove the findings kept aside by coverage_finding_carrier_withhold.
delete from discrepancies as d
where d.run_id = $run_id and list_contains($codes, d.reason_code)
  and split_part(d.key, '|', 1) in (select tracking_no from shipments where carrier = $scope)
