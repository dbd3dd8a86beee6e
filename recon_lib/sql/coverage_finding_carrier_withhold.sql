-- Findings about parcels of a courier none of whose bill lines was loaded for the period: kept
-- aside, not stored. A finding's waybill (its key's first part) belongs to the courier of our
-- parcel (one courier per waybill, whatever rows repeat it).
insert into coverage_withheld
select d.run_id, d.period, d.recon, d.reason_code, d.key, $scope
from discrepancies as d
where d.run_id = $run_id and list_contains($codes, d.reason_code)
  and split_part(d.key, '|', 1) in (select tracking_no from shipments where carrier = $scope)
