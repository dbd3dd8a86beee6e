-- What each run could check (recon_lib/coverage.py): the state of every source it needed, each
-- check's status, and the findings withheld because their check could not be made. Replaced per
-- period by each run, so they describe the period's latest run.
CREATE TABLE IF NOT EXISTS coverage_sources (
  run_id  VARCHAR NOT NULL,
  period  VARCHAR NOT NULL,
  source  VARCHAR NOT NULL,   -- a canonical table, or table.column
  span    VARCHAR NOT NULL,   -- period: rows of the period; to_date: of it or any earlier one
  state   VARCHAR NOT NULL,   -- loaded, empty (a file without rows), no_values, absent
  rows    BIGINT NOT NULL,    -- rows of the period (of any period for reference data)
  files   JSON                -- the period's files of the table, when the run loaded them
);

CREATE TABLE IF NOT EXISTS coverage_checks (
  run_id     VARCHAR NOT NULL,
  period     VARCHAR NOT NULL,
  recon      VARCHAR NOT NULL,
  check_name VARCHAR NOT NULL,
  title      VARCHAR NOT NULL,
  codes      VARCHAR[] NOT NULL,  -- the reason codes the check gives
  scope      VARCHAR NOT NULL,    -- '' for the check as a whole, else a carrier or channel
  status     VARCHAR NOT NULL,    -- checked, not_checked
  reason     VARCHAR NOT NULL,    -- why not checked
  withheld   BIGINT NOT NULL      -- findings computed but not stored: their input was absent
);

CREATE TABLE IF NOT EXISTS coverage_withheld (
  run_id      VARCHAR NOT NULL,
  period      VARCHAR NOT NULL,
  recon       VARCHAR NOT NULL,
  reason_code VARCHAR NOT NULL,
  key         VARCHAR NOT NULL,
  scope       VARCHAR
);

CREATE TABLE IF NOT EXISTS coverage_rows (
  run_id      VARCHAR NOT NULL,
  period      VARCHAR NOT NULL,
  recon       VARCHAR NOT NULL,
  reason_code VARCHAR NOT NULL,   -- the comparison that could not be made
  field       VARCHAR NOT NULL,   -- table.column missing on those rows
  rows        BIGINT NOT NULL,
  reason      VARCHAR NOT NULL
);

-- Databases made before a column existed gain it (coverage_sources.span: every source was the
-- period's own).
ALTER TABLE coverage_sources ADD COLUMN IF NOT EXISTS span VARCHAR DEFAULT 'period';
