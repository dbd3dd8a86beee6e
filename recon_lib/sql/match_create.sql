-- Tables the matching engine (recon_lib.match) writes.
-- match_results: one row per pair, unpaired record, duplicate or unkeyed group, in every state
-- except 'matched' (those are only counted in match_stats, unless run_match(keep_matched=True));
-- state and reason_code say what was found.
CREATE TABLE IF NOT EXISTS match_results (
  run_id       VARCHAR NOT NULL,
  spec         VARCHAR NOT NULL,   -- MatchSpec.name
  state        VARCHAR NOT NULL,   -- matched, matched_tolerance, mismatched, missing_left,
                                   -- missing_right, duplicate, unresolved (unkeyed only)
  reason_code  VARCHAR,            -- a code of recon_lib.reasons, or NULL (state only)
  key          VARCHAR,            -- normalised key, parts joined by '|'; NULL when empty
  left_ids     VARCHAR[],          -- ids of the left records in this row (several when grouped)
  right_ids    VARCHAR[],
  left_values  JSON,               -- compared / window / amount values of the left side
  right_values JSON,
  amount       DECIMAL(18,2),      -- value of MatchSpec.amount (left side, else right)
  explanation  VARCHAR NOT NULL,   -- plain language
  details      JSON                -- rule that fired, per-check values, differences, tolerances
);

-- match_stats: counts and amounts per state and reason code of one run of one spec, matched
-- included: together the rows account for every record of both sides.
CREATE TABLE IF NOT EXISTS match_stats (
  run_id       VARCHAR NOT NULL,
  spec         VARCHAR NOT NULL,
  state        VARCHAR NOT NULL,
  reason_code  VARCHAR,
  n            BIGINT NOT NULL,
  amount       DECIMAL(18,2),
  parameters   JSON                -- the spec, serialised (MatchSpec.to_dict())
);
