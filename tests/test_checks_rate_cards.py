"""Rate cards and surcharges are validated on load, every problem named by row and column."""

from __future__ import annotations

from datetime import date

import pandas as pd

from recon_lib import geo
from recon_lib.checks import check_tables


def card(province, row, **overrides):
    base = {"carrier": "SF", "service": "express", "dest_province": province,
            "first_weight_kg": 1, "first_price": 12, "additional_unit_kg": 0.5,
            "additional_price": 1, "rounding_unit_kg": 0.5, "rounding_threshold_kg": None,
            "rounding_unit_above_kg": None, "volumetric_divisor": 6000, "discount_rate": 0.1,
            "remote": False, "effective_from": date(2026, 1, 1), "effective_to": None,
            "source_file": "rate_cards.csv", "source_row": row}
    return base | overrides


def full_card(**overrides):
    return [card(p, i + 2, **overrides) for i, p in enumerate(geo.PROVINCES)]


def problems(rows, table="rate_cards"):
    return [str(p) for p in check_tables({table: pd.DataFrame(rows)})]


def test_a_complete_card_passes():
    assert problems(full_card()) == []


def test_negative_price_and_zero_step_are_named_by_row_and_column():
    rows = full_card()
    rows[0]["first_price"] = -5
    rows[1]["additional_unit_kg"] = 0
    found = problems(rows)
    assert "rate_cards.csv, row 2, column 'first_price': expected a price of 0 or more, got -5" \
        in found
    assert any("row 3, column 'additional_unit_kg': expected a weight step above 0" in p
               for p in found)


def test_missing_provinces_are_listed():
    rows = [r for r in full_card() if r["dest_province"] not in ("西藏", "青海")]
    (found,) = problems(rows)
    assert "has no price for 2 province(s): 西藏, 青海" in found


def test_overlapping_effective_ranges_name_both_rows():
    rows = full_card(effective_to=date(2026, 6, 30))
    later = card("广东", 99, effective_from=date(2026, 6, 1))  # overlaps June
    found = problems(rows + [later | {"source_row": 99}])
    assert any("row 99, column 'effective_from': effective from 2026-06-01 overlaps the range "
               "of row" in p for p in found)


def test_back_to_back_ranges_do_not_overlap():
    first = full_card(effective_to=date(2026, 6, 30))
    second = [card(p, 100 + i, effective_from=date(2026, 7, 1)) for i, p in
              enumerate(geo.PROVINCES)]
    assert problems(first + second) == []


def test_unknown_province_and_threshold_without_step():
    rows = full_card()
    rows[0]["rounding_threshold_kg"] = 10
    rows.append(card("广东省", 50))
    found = problems(rows)
    assert any("column 'rounding_unit_above_kg'" in p for p in found)
    assert any("unknown province '广东省'" in p for p in found)


def test_surcharge_share_above_one_is_refused():
    rows = [{"carrier": "SF", "surcharge": "insurance", "basis": "share_of_declared", "rate": 5,
             "min_amount": 1, "applies_above_kg": None, "effective_from": date(2026, 1, 1),
             "effective_to": None, "source_file": "s.csv", "source_row": 2}]
    (found,) = problems(rows, "rate_card_surcharges")
    assert "row 2, column 'rate': expected a share of the declared value" in found


def fee(row, **overrides):
    base = {"channel": "tmall", "category": "床品", "line_type": "commission", "rate": 0.05,
            "fixed_amount": None, "settlement_days": 15, "effective_from": date(2026, 1, 1),
            "effective_to": None, "source_file": "fee_schedule.csv", "source_row": row}
    return base | overrides


def test_fee_schedule_rates_and_ranges_are_checked():
    assert problems([fee(2), fee(3, category=None, line_type="fee", rate=0.006)],
                    "fee_schedules") == []
    found = problems([fee(2, rate=1.5), fee(3, fixed_amount=-1, category="灯具"),
                      fee(4, effective_from=date(2026, 6, 1))], "fee_schedules")
    assert "fee_schedule.csv, row 2, column 'rate': expected a share from 0 to below 1 " \
           "(0.05 = 5%), got 1.5" in found
    assert any("row 3, column 'fixed_amount'" in p for p in found)
    assert any("row 4, column 'effective_from': effective from 2026-06-01 overlaps the range "
               "of row 2" in p for p in found)
