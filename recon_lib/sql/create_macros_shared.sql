-- Macros the reconciliations, analytics and reports share (run before create_results.sql).

-- One shipment row per waybill: the parcel a courier bill line, a tracking event or a freight
-- finding is about. A waybill may be on several shipment rows (two orders packed in one parcel;
-- a WMS export that lists a parcel once per order), and whatever looks a waybill up in shipments
-- takes this row, so a finding, its money, the claims and the alerts count a parcel once.
-- The rule: the row that left first (earliest ship_time), then the smallest shipment_id. The
-- parcel's carrier, service, weight, size, destination, declared value and order are that row's.
-- A filter on tracking_no outside the macro is applied before the ranking (DuckDB pushes it
-- down), so looking a few waybills up reads only their rows.
CREATE OR REPLACE MACRO one_shipment_per_waybill() AS TABLE
  SELECT * FROM shipments
  QUALIFY row_number() OVER (PARTITION BY tracking_no ORDER BY ship_time, shipment_id) = 1;
