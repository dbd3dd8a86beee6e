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
