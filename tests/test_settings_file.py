"""recon.yml: the settings a merchant tunes, validated with file and line before anything runs."""

from __future__ import annotations

import pytest

from recon_lib.config import Settings
from recon_lib.errors import InputError
from recon_lib.settings_file import load_settings


def settings(tmp_path, text: str, **kwargs) -> Settings:
    path = tmp_path / "recon.yml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, **kwargs)


def test_a_settings_file_sets_fields_and_require(tmp_path):
    got = settings(tmp_path, "ship_sla_hours: 72\nfx_tolerance: 1\nrequire: bank_transactions\n",
                   require=("settlement_lines",))
    assert got.ship_sla_hours == 72 and got.fx_tolerance == 1.0
    assert got.require == ("bank_transactions", "settlement_lines")
    assert got.deposit_window_days == Settings().deposit_window_days   # the rest: defaults


def test_no_file_means_the_defaults(tmp_path, monkeypatch):
    from recon_lib import config

    monkeypatch.setattr(config, "SETTINGS_FILE", tmp_path / "absent.yml")
    assert load_settings(require=("orders",)) == Settings(require=("orders",))


@pytest.mark.parametrize(("text", "expected"), [
    ("ship_sla_hours: forty\n", "line 1: ship_sla_hours: expected int like 48, got 'forty'"),
    ("ship_sla_hours: 48\nship_sla_hours: 72\n", "line 2: duplicate key 'ship_sla_hours'"),
    ("bill_cycle: fortnight\n", "bill_cycle must be one of month, week, day"),
    ("ship_sla_hours: [1\n", "not valid YAML"),
    ("require: [bank]\n", "unknown source(s) bank"),
    ("deposit_window_days: -1\n", "must not be negative"),
])
def test_a_wrong_settings_file_names_the_line_and_what_was_expected(tmp_path, text, expected):
    with pytest.raises(InputError) as caught:
        settings(tmp_path, text)
    assert expected in str(caught.value)


def test_suppliers_price_tolerances_are_a_mapping_of_shares(tmp_path):
    got = settings(tmp_path, "purchase_supplier_tolerances: {B厂: 0.05, A厂: 0}\n")
    assert got.purchase_supplier_tolerances == (("A厂", 0.0), ("B厂", 0.05))
    for wrong in ("purchase_supplier_tolerances: 0.05\n",
                  "purchase_supplier_tolerances: {A厂: lots}\n"):
        with pytest.raises(InputError, match="line 1: purchase_supplier_tolerances: expected"):
            settings(tmp_path, wrong)
    with pytest.raises(InputError, match=r"expected supplier: share \(0 to 1\)"):
        settings(tmp_path, "purchase_supplier_tolerances: {A厂: 2}\n")
