"""Rebate schemes are validated on load, every problem named by file, row and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from recon_lib import schema
from recon_lib.checks import check_tables
from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.load import load_period
from recon_lib.periods import parse_period
from tests.conftest import with_an_order


def scheme(row, *tiers, **overrides):
    base = {"carrier": "SF", "service": None, "basis": "parcels",
            "effective_from": date(2026, 1, 1), "effective_to": None,
            "source_file": "rebates.csv", "source_row": row}
    for n in range(1, schema.REBATE_TIERS + 1):
        start, rate = tiers[n - 1] if n <= len(tiers) else (None, None)
        base |= {f"tier{n}_from": start, f"tier{n}_rate": rate}
    return base | overrides


def problems(rows):
    return [str(p) for p in check_tables({"rate_card_rebates": pd.DataFrame(rows)})]


def test_rising_tiers_and_back_to_back_schemes_pass():
    assert problems([
        scheme(2, (10_000, 0.03), (30_000, 0.05), effective_to=date(2026, 6, 30)),
        scheme(3, (10_000, 0.03), (30_000, 0.05), (50_000, 0.05),
               effective_from=date(2026, 7, 1)),
        scheme(4, (100_000, 0.02), carrier="ZTO", basis="freight", service="standard"),
    ]) == []


def test_negative_and_above_100_percent_rates_and_negative_volume():
    found = problems([scheme(2, (10_000, -0.03)), scheme(3, (10_000, 3), carrier="ZTO"),
                      scheme(4, (-5, 0.01), carrier="YTO")])
    assert "rebates.csv, row 2, column 'tier1_rate': expected a share from 0 to 1 " \
           "(0.03 = 3%), got -0.03" in found
    assert "rebates.csv, row 3, column 'tier1_rate': expected a share from 0 to 1 " \
           "(0.03 = 3%), got 3" in found
    assert "rebates.csv, row 4, column 'tier1_from': expected a volume of 0 or more, got -5" \
        in found


def test_overlapping_and_unsorted_tiers_are_named_by_column():
    found = problems([
        scheme(2, (30_000, 0.05), (10_000, 0.03)),                          # unsorted
        scheme(3, (10_000, 0.03), (10_000, 0.05), carrier="ZTO"),           # overlapping
        scheme(4, (10_000, 0.05), (30_000, 0.03), carrier="YTO"),           # higher gives less
    ])
    assert ("rebates.csv, row 2, column 'tier2_from': tier 2 starts at 10000, not above tier 1 "
            "(30000): tiers must be listed from the lowest volume up and may not overlap") in found
    assert any(p.startswith("rebates.csv, row 3, column 'tier2_from': tier 2 starts at 10000, "
                            "not above tier 1 (10000)") for p in found)
    assert ("rebates.csv, row 4, column 'tier2_rate': tier 2 gives 0.03, less than tier 1 below "
            "it (0.05): a higher tier must give at least as much") in found
    assert len(found) == 3


def test_half_filled_and_skipped_tiers_and_fractional_parcels():
    found = problems([
        scheme(2, (10_000, 0.03), (30_000, None)),
        scheme(3, (10_000, 0.03), (None, None), (50_000, 0.05), carrier="ZTO"),
        scheme(4, (10_000.5, 0.03), carrier="YTO"),
        scheme(5, (10_000.5, 0.03), carrier="JDL", basis="freight"),       # yuan: fine
    ])
    assert "rebates.csv, row 2, column 'tier2_rate': tier 2 has no rate" in found
    assert ("rebates.csv, row 3, column 'tier3_from': tier 3 follows the empty tier 2: fill the "
            "tiers from 1 up") in found
    assert "rebates.csv, row 4, column 'tier1_from': expected a whole number of parcels, " \
           "got 10000.5" in found
    assert len(found) == 3


def test_schemes_run_in_whole_months_one_per_courier_at_a_time():
    found = problems([
        scheme(2, (1, 0.01), effective_to=date(2026, 6, 30)),
        scheme(3, (1, 0.01), effective_from=date(2026, 6, 1), service="express"),  # overlaps
        scheme(4, (1, 0.01), carrier="ZTO", effective_from=date(2026, 1, 15),
               effective_to=date(2026, 3, 20)),
        scheme(5, (1, 0.01), carrier="YTO", effective_from=date(2026, 5, 1),
               effective_to=date(2026, 3, 31)),
    ])
    assert ("rebates.csv, row 3, column 'effective_from': effective from 2026-06-01 overlaps the "
            "range of row 2 for the same courier (a courier has one rebate scheme at a time)") \
        in found
    assert ("rebates.csv, row 4, column 'effective_from': expected the first day of a month "
            "(rebates are judged per calendar month), got 2026-01-15") in found
    assert any(p.startswith("rebates.csv, row 4, column 'effective_to': expected the last day of "
                            "a month") for p in found)
    assert ("rebates.csv, row 5, column 'effective_to': effective to 2026-03-31 is before "
            "effective from 2026-05-01") in found
    assert len(found) == 4


def test_the_credit_comes_on_the_months_own_bill_or_the_next():
    found = problems([
        scheme(2, (1, 0.01), credit_lag_months=1),
        scheme(3, (1, 0.01), carrier="ZTO", credit_lag_months=0),
        scheme(4, (1, 0.01), carrier="YTO", credit_lag_months=2),
        scheme(5, (1, 0.01), carrier="JDL", credit_lag_months=-1),
        scheme(6, (1, 0.01), carrier="EMS"),                              # empty: its own month
    ])
    assert found == [
        f"rebates.csv, row {row}, column 'credit_lag_months': expected 0 (当月: credited on the "
        f"month's own bill) or 1 (次月: on the next month's bill), got {got}"
        for row, got in ((4, 2), (5, -1))]


HEADER = ("快递公司,产品,返利计量,档位1起点,档位1返利率,档位2起点,档位2返利率,生效日期,失效日期\n")
LAG_HEADER = "快递公司,返利计量,档位1起点,档位1返利率,返利入账,生效日期\n"


def _load(tmp_path, text):
    folder = tmp_path / "2026-10"
    folder.mkdir(exist_ok=True)
    (folder / "rate_card_rebates.csv").write_text(text, encoding="utf-8")
    with_an_order(folder)
    db = Database(":memory:")
    load_period(db, parse_period("2026-10"), tmp_path)
    return db


def test_the_credit_month_reads_当月_次月_0_1_and_empty(tmp_path):
    with _load(tmp_path, LAG_HEADER + "SF,票数,1,0.01,次月,2026-01-01\n"
                                      "ZTO,票数,1,0.01,当月,2026-01-01\n"
                                      "YTO,票数,1,0.01,1,2026-01-01\n"
                                      "JDL,票数,1,0.01,0,2026-01-01\n"
                                      "EMS,票数,1,0.01,,2026-01-01\n") as db:
        got = dict(db.df("SELECT carrier, credit_lag_months FROM rate_card_rebates").values)
    assert got == {"SF": 1, "ZTO": 0, "YTO": 1, "JDL": 0, "EMS": 0}


def test_an_unknown_credit_month_is_refused_naming_the_cell(tmp_path):
    with pytest.raises(InputError) as caught:
        _load(tmp_path, LAG_HEADER + "SF,票数,1,0.01,隔月,2026-01-01\n"
                                     "ZTO,票数,1,0.01,2,2026-01-01\n")
    accepted = "'当月', '次月', '本月', '下月', '0', '1'"
    assert sorted(str(p) for p in caught.value.problems) == [
        f"rate_card_rebates.csv, row 2, column '返利入账': unexpected value '隔月'; accepted: "
        f"{accepted}",
        f"rate_card_rebates.csv, row 3, column '返利入账': unexpected value '2'; accepted: "
        f"{accepted}",
    ]


def test_a_bad_file_is_refused_naming_its_own_headers(tmp_path):
    folder = tmp_path / "2026-10"
    folder.mkdir()
    (folder / "rate_card_rebates.csv").write_text(
        HEADER
        + "SF,express,票数,10000,0.03,30000,0.05,2026-01-01,\n"
        + "ZTO,,运费,100000,0.02,80000,0.04,2026-01-01,\n"
        + "YTO,,票数,5000,3,,,2026-01-01,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_period(Database(":memory:"), parse_period("2026-10"), tmp_path)
    found = sorted(str(p) for p in caught.value.problems)
    assert found == [
        "rate_card_rebates.csv, row 3, column '档位2起点': tier 2 starts at 80000, not above "
        "tier 1 (100000): tiers must be listed from the lowest volume up and may not overlap",
        "rate_card_rebates.csv, row 4, column '档位1返利率': expected a share from 0 to 1 "
        "(0.03 = 3%), got 3",
    ]


def test_a_good_file_loads(tmp_path):
    folder = tmp_path / "2026-10"
    folder.mkdir()
    (folder / "rate_card_rebates.csv").write_text(
        HEADER + "SF,express,票数,10000,0.03,30000,0.05,2026-01-01,\n", encoding="utf-8")
    with_an_order(folder)
    with Database(":memory:") as db:
        load_period(db, parse_period("2026-10"), tmp_path)
        row = db.df("SELECT carrier, service, basis, tier2_from, tier2_rate, tier3_from, "
                    "credit_lag_months FROM rate_card_rebates").iloc[0]
    assert (row.carrier, row.service, row.basis) == ("SF", "express", "parcels")
    assert row.credit_lag_months == 0          # no 返利入账 column: credited on the month's bill
    assert (float(row.tier2_from), float(row.tier2_rate)) == (30000, 0.05)
    assert pd.isna(row.tier3_from)


DOC = Path(__file__).resolve().parents[1] / "docs" / "rate-cards.md"


def _doc_block(after: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    rest = text[text.index(after):]
    start = rest.index("```\n") + 4
    return rest[start:rest.index("```", start)]


def test_the_documented_example_loads_and_its_error_is_the_documented_one(tmp_path):
    example = _doc_block("## `rate_card_rebates.csv`")
    folder = tmp_path / "2026-10"
    folder.mkdir()
    (folder / "rate_card_rebates.csv").write_text(example, encoding="utf-8")
    with_an_order(folder)
    with Database(":memory:") as db:
        load_period(db, parse_period("2026-10"), tmp_path)
        got = dict(db.df("SELECT carrier, credit_lag_months FROM rate_card_rebates").values)
        assert got == {"ZTO": 1, "SF": 0}                      # 次月 and 当月
    documented = _doc_block("a scheme whose second tier starts below the first").splitlines()[1]
    broken = example.replace("ZTO,,票数,10000,0.03,30000", "ZTO,,票数,10000,0.03,8000")
    (folder / "rate_card_rebates.csv").write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_period(Database(":memory:"), parse_period("2026-10"), tmp_path)
    assert [f"  - {p}" for p in caught.value.problems] == [documented]
