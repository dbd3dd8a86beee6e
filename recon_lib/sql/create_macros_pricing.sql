-- The one pricing rule: what a rate card row charges for a parcel (see docs/rate-cards.md). The
-- freight audit (freight_parcels.sql: our parcel; freight_bill.sql: the weight a bill line
-- claims) and the carrier choice (analytics_carrier_choice_options.sql: a parcel under every
-- courier's card) price through these macros only, so they can never disagree.
-- Run with the shared macros, before create_results.sql.
--
--   chargeable weight = max(actual, L x W x H / divisor), rounded UP to the card's step (a
--                       second step above the card's threshold), computed in grams x divisor
--                       as integers so the rounding is exact (2.0 kg never becomes 2.5 kg);
--   fee               = first price + additional steps above the first weight (rounded up)
--                       x additional price;
--   payable           = fee - the contract discount, the discount rounded half up to the cent.
-- No weight, no chargeable weight: NULL, never 0 (greatest() would take the volume alone), and
-- so no fee and no payable. A card not found (a left join without a row) gives NULL too.

-- The parcel's box volume in whole cm³; a side not measured counts as no volume (0), so the
-- weighed weight alone is charged.
CREATE OR REPLACE MACRO parcel_volume_cm3(length_cm, width_cm, height_cm) AS
  cast(round(coalesce(length_cm * width_cm * height_cm, 0)) AS bigint);

-- The card's rounding step in grams for this parcel: rounding_unit_kg, or rounding_unit_above_kg
-- when the raw chargeable weight is above rounding_threshold_kg.
CREATE OR REPLACE MACRO card_step_g(weight_kg, volume_cm3, divisor, unit_kg, threshold_kg,
                                    unit_above_kg) AS
  cast(round(CASE WHEN threshold_kg IS NOT NULL
                   AND greatest(weight_kg * divisor, volume_cm3) > threshold_kg * divisor
                  THEN unit_above_kg ELSE unit_kg END * 1000) AS bigint);

-- Chargeable weight in grams (a multiple of the card's step); NULL without a weight.
CREATE OR REPLACE MACRO card_chargeable_g(weight_kg, volume_cm3, divisor, unit_kg, threshold_kg,
                                          unit_above_kg) AS
  (CASE WHEN weight_kg IS NOT NULL
        THEN greatest(cast(round(weight_kg * 1000) AS bigint) * divisor, volume_cm3 * 1000) END
   + card_step_g(weight_kg, volume_cm3, divisor, unit_kg, threshold_kg, unit_above_kg)
     * divisor - 1)
  // (card_step_g(weight_kg, volume_cm3, divisor, unit_kg, threshold_kg, unit_above_kg) * divisor)
  * card_step_g(weight_kg, volume_cm3, divisor, unit_kg, threshold_kg, unit_above_kg);

-- The fee (yuan, before discount) for a chargeable weight in grams: first price plus each
-- additional step, or part of one, above the first weight. No chargeable weight, no fee (NULL:
-- greatest() skips a NULL, so without the guard it would be the first price alone).
CREATE OR REPLACE MACRO card_fee(chargeable_g, first_weight_kg, first_price, additional_unit_kg,
                                 additional_price) AS
  CASE WHEN chargeable_g IS NOT NULL
       THEN first_price + greatest(0, (chargeable_g - cast(round(first_weight_kg * 1000) AS bigint)
                                       + cast(round(additional_unit_kg * 1000) AS bigint) - 1)
                                      // cast(round(additional_unit_kg * 1000) AS bigint))
                          * additional_price
  END;

-- What we owe for a fee (yuan): the fee less the contract discount rounded half up to the cent.
CREATE OR REPLACE MACRO card_payable(fee, discount_rate) AS
  fee - round(fee * coalesce(discount_rate, 0), 2);

-- Whether a contracted surcharge applies to a parcel: remote when the card marks the province
-- remote (偏远), insurance when the parcel has a declared value, upstairs when the contract has a
-- weight limit and the parcel is heavier (an upstairs surcharge without a limit is delivered on
-- request: a re-pricing cannot know it). The freight audit holds a billed surcharge to the same
-- conditions (FRT_INVALID_SURCHARGE, freight_discrepancies.sql).
CREATE OR REPLACE MACRO surcharge_applies(surcharge, remote, declared_value, weight_kg,
                                          applies_above_kg) AS
  CASE surcharge
    WHEN 'remote' THEN coalesce(remote, false)
    WHEN 'insurance' THEN coalesce(declared_value, 0) > 0
    WHEN 'upstairs' THEN applies_above_kg IS NOT NULL AND weight_kg > applies_above_kg
    ELSE false
  END;

-- A surcharge's amount (yuan): the fixed amount, or the share of the declared value rounded half
-- up to the cent, at least the contract's minimum. NULL when a share has no declared value.
CREATE OR REPLACE MACRO surcharge_amount(basis, rate, min_amount, declared_value) AS
  CASE WHEN basis = 'fixed' THEN greatest(rate, coalesce(min_amount, 0))
       WHEN basis = 'share_of_declared' AND declared_value IS NOT NULL
         THEN greatest(round(rate * declared_value, 2), coalesce(min_amount, 0))
  END;
