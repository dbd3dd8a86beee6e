"""Amounts as people read them: the sign before the currency, thousands separated."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from recon_lib import show
from recon_lib.formats import yuan


@pytest.mark.parametrize("value, decimals, text", [
    (1234.5, 2, "¥1,234.50"),
    (-910.28, 2, "-¥910.28"),
    (Decimal("-1589.16"), 2, "-¥1,589.16"),
    (-0.001, 2, "¥0.00"),          # rounds to zero: no minus sign on nothing
    (-2147.6, 0, "-¥2,148"),
    (0, 2, "¥0.00"),
])
def test_yuan(value, decimals, text):
    assert yuan(value, decimals) == text


def test_notebook_tables_put_the_sign_before_the_yuan(monkeypatch):
    shown = []
    monkeypatch.setattr(show, "display", lambda obj: shown.append(obj.data))
    show.table(pd.DataFrame({"carrier": ["JDL"], "difference": [-910.28]}), money=["difference"])
    assert "-¥910.28" in shown[0] and "¥-" not in shown[0]


def test_notebook_tables_round_other_numbers(monkeypatch):
    shown = []
    monkeypatch.setattr(show, "display", lambda obj: shown.append(obj.data))
    show.table(pd.DataFrame({"days": [2.371759, None], "units": [80.0, 1234.0],
                             "rate": [Decimal("7.092900"), Decimal("7.1")], "n": [19216, 3]}),
               decimals={"rate": 4})
    html = shown[0]
    assert ">2.37<" in html and "2.371759" not in html
    assert ">80<" in html and ">1234<" in html and "80.00" not in html  # whole numbers
    assert ">7.0929<" in html and ">7.1000<" in html
    assert ">19216<" in html  # integers (years, ids, counts) are left as they are


def test_notebook_tables_show_midnights_as_days(monkeypatch):
    shown = []
    monkeypatch.setattr(show, "display", lambda obj: shown.append(obj.data))
    show.table(pd.DataFrame({"bucket_start": pd.to_datetime(["2026-10-01", "2026-11-01"]),
                             "paid_at": pd.to_datetime(["2026-10-01 09:30", "2026-10-02 00:00"])}))
    assert ">2026-10-01<" in shown[0] and "2026-10-01 00:00:00" not in shown[0]
    assert "2026-10-01 09:30:00" in shown[0] and "2026-10-02 00:00:00" in shown[0]
