-- Province names as couriers print them (广东省, 广西壮族自治区) to the short form rate cards use
-- (广东, 广西): the one place this rule lives.
CREATE OR REPLACE MACRO short_province(p) AS
  regexp_replace(trim(p), '(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$', '');

-- The ways to cut a match id '<id>|<sku>' back into its columns: one {head, tail} per '|' in
-- it. An order or parcel id may itself hold a '|', so a finding joins on every cut and only
-- the cut that names a row finds one.
CREATE OR REPLACE MACRO id_cuts(id) AS
  list_transform(list_filter(range(1, length(id) + 1), lambda c: substr(id, c, 1) = '|'),
                 lambda c: {'head': left(id, c - 1), 'tail': substr(id, c + 1)});

-- Tables the reconciliations write. One row per discrepancy found by a run.
CREATE TABLE IF NOT EXISTS runs (
  run_id      VARCHAR PRIMARY KEY,
  period      VARCHAR NOT NULL,
  started_at  TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  parameters  JSON
);

CREATE TABLE IF NOT EXISTS discrepancies (
  run_id       VARCHAR NOT NULL,
  period       VARCHAR NOT NULL,
  recon        VARCHAR NOT NULL,
  reason_code  VARCHAR NOT NULL,
  key          VARCHAR NOT NULL,   -- business key, e.g. the order id, or order_id|sku
  order_id     VARCHAR,
  amount       DECIMAL(18,2),      -- money at stake, meaning given by the reason code
  explanation  VARCHAR NOT NULL,   -- plain-language why, shown on the report row
  details      JSON                -- the rule's inputs: fields, values and differences
);

-- One row per return judged in a period: which legs exist, amounts, days between legs, issue.
CREATE TABLE IF NOT EXISTS return_status (
  period            VARCHAR NOT NULL,
  return_id         VARCHAR NOT NULL,
  order_id          VARCHAR,
  requested_at      TIMESTAMP,
  picked_up_at      TIMESTAMP,
  first_received_at TIMESTAMP,
  last_refunded_at  TIMESTAMP,
  requested_qty     INTEGER,
  received_qty      INTEGER,
  sellable_qty      INTEGER,
  requested_refund  DECIMAL(18,2),
  amount_due        DECIMAL(18,2),   -- sellable goods received x selling price
  refunded          DECIMAL(18,2),
  days_to_pickup    DOUBLE,
  days_to_receipt   DOUBLE,          -- from the request
  refund_minus_receipt_days DOUBLE,  -- negative: refunded before the goods arrived
  issue             VARCHAR          -- the first open reason code, null when all agree
);

-- Foreign-currency payouts that arrived within the FX tolerance: the conversion's cost.
CREATE TABLE IF NOT EXISTS fx_differences (
  period       VARCHAR NOT NULL,
  payout_id    VARCHAR NOT NULL,
  channel      VARCHAR,
  currency     VARCHAR,
  amount       DECIMAL(18,2),   -- in the payout's currency
  rate_to_cny  DECIMAL(18,6),   -- reference rate on the payout day
  expected_cny DECIMAL(18,2),
  deposited    DECIMAL(18,2),   -- CNY credited by the bank
  difference   DECIMAL(18,2),   -- deposited - expected (negative: the bank's spread)
  txn_id       VARCHAR
);

-- The discrepancy register: every finding ever made, carried from period to period until it is
-- resolved. Identity: reconciliation, reason code and business key.
CREATE TABLE IF NOT EXISTS register (
  item_id       VARCHAR PRIMARY KEY,   -- recon|reason_code|key
  recon         VARCHAR NOT NULL,
  reason_code   VARCHAR NOT NULL,
  key           VARCHAR NOT NULL,
  order_id      VARCHAR,
  first_seen    VARCHAR NOT NULL,      -- period label
  last_seen     VARCHAR NOT NULL,
  status        VARCHAR NOT NULL,      -- open, in_progress, resolved, written_off
  owner         VARCHAR,
  note          VARCHAR,
  amount        DECIMAL(18,2),
  explanation   VARCHAR,
  closed_period VARCHAR,               -- period in which it was resolved or written off
  closed_reason VARCHAR,               -- why: what reconciled it, or the analyst's decision
  updated_at    TIMESTAMP NOT NULL,
  -- the periods above as days, so periods of different kinds (month, week, day) compare
  first_seen_start DATE,               -- first day of first_seen
  first_seen_end   DATE,               -- the day after first_seen's last
  last_seen_start  DATE,               -- first day of last_seen
  last_seen_end    DATE,               -- the day after last_seen's last
  closed_on        DATE                -- the day after closed_period's last
);

-- Registers written before periods had kinds were all monthly: add the day columns.
ALTER TABLE register ADD COLUMN IF NOT EXISTS first_seen_start DATE;
ALTER TABLE register ADD COLUMN IF NOT EXISTS first_seen_end DATE;
ALTER TABLE register ADD COLUMN IF NOT EXISTS last_seen_start DATE;
ALTER TABLE register ADD COLUMN IF NOT EXISTS last_seen_end DATE;
ALTER TABLE register ADD COLUMN IF NOT EXISTS closed_on DATE;
UPDATE register SET
  first_seen_start = cast(first_seen || '-01' as date),
  first_seen_end = cast(first_seen || '-01' as date) + interval 1 month,
  last_seen_start = cast(last_seen || '-01' as date),
  last_seen_end = cast(last_seen || '-01' as date) + interval 1 month,
  closed_on = cast(closed_period || '-01' as date) + interval 1 month
WHERE first_seen_start IS NULL AND regexp_full_match(first_seen, '\d{4}-\d{2}');

-- Every change to the register: what, from what, to what, when, and from where.
CREATE TABLE IF NOT EXISTS register_audit (
  changed_at TIMESTAMP NOT NULL,
  item_id    VARCHAR NOT NULL,
  field      VARCHAR NOT NULL,
  old_value  VARCHAR,
  new_value  VARCHAR,
  source     VARCHAR NOT NULL        -- 'run <period>' or the resolved workbook's file name
);

-- One row per order paid in a period: which legs exist, their status (ok, the open reason code,
-- or not yet), the amounts at each leg and the days between legs. Rebuilt by each run.
CREATE TABLE IF NOT EXISTS order_lifecycle (
  period          VARCHAR NOT NULL,
  order_id        VARCHAR NOT NULL,
  channel         VARCHAR,
  paid_at         TIMESTAMP,
  paid_amount     DECIMAL(18,2),
  shipped_at      TIMESTAMP,
  shipped_value   DECIMAL(18,2),    -- units shipped x the order's unit price
  delivered_at    TIMESTAMP,
  freight_billed  DECIMAL(18,2),
  settled_at      TIMESTAMP,
  settled_gross   DECIMAL(18,2),    -- sale lines, in CNY
  fees            DECIMAL(18,2),    -- commission and fees kept by the platform, in CNY
  refunded        DECIMAL(18,2),
  paid_out        DECIMAL(18,2),    -- net lines carried by a payout sent, in CNY
  days_to_ship    DOUBLE,
  days_to_deliver DOUBLE,
  days_to_settle  DOUBLE,
  ship_status     VARCHAR,          -- ok | <reason code> | not shipped
  stock_status    VARCHAR,
  freight_status  VARCHAR,
  return_status   VARCHAR,          -- none | ok | <reason code>
  money_status    VARCHAR           -- ok | <reason code> | not settled
);

-- Which courier each freight finding of a period is about: the one rule the freight report, the
-- carrier scorecard and the alerts share. A rebate shortfall names its courier (its key is
-- '<carrier>|<month>'); any other finding's waybill (the key's first part) belongs to the courier
-- whose bill has it, else to the courier of our parcel (one_shipment_per_waybill), else
-- '(unknown)'. One courier per waybill, however many bill lines or parcels repeat it, so no
-- amount is counted twice.
CREATE OR REPLACE MACRO freight_findings_by_carrier(period_label) AS TABLE
  WITH found AS (
    SELECT reason_code, key, amount, explanation, details,
           CASE WHEN reason_code <> 'FRT_REBATE_SHORT' THEN split_part(key, '|', 1) END
             AS waybill_no,
           CASE WHEN reason_code = 'FRT_REBATE_SHORT' THEN json_extract_string(details, '$.carrier')
           END AS named_carrier
    FROM discrepancies
    WHERE period = period_label AND recon = 'freight'
  )
  SELECT f.reason_code, f.key, f.amount, f.explanation, f.details, f.waybill_no,
         coalesce(f.named_carrier, b.carrier, s.carrier, '(unknown)') AS carrier
  FROM found AS f
  LEFT JOIN (SELECT waybill_no, any_value(carrier) AS carrier FROM courier_bill_lines
             WHERE waybill_no IN (SELECT waybill_no FROM found) GROUP BY waybill_no) AS b
    ON b.waybill_no = f.waybill_no
  LEFT JOIN (SELECT tracking_no, carrier FROM one_shipment_per_waybill()
             WHERE tracking_no IN (SELECT waybill_no FROM found)) AS s
    ON s.tracking_no = f.waybill_no;
