-- Remove the findings kept aside by coverage_finding_channel_withhold.
delete from discrepancies as d
where d.run_id = $run_id and list_contains($codes, d.reason_code)
  and d.order_id in (select order_id from orders where channel = $scope)
