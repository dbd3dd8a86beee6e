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
