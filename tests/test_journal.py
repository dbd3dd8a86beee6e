"""The account mapping (accounts.yml) and the vouchers: the built-in mapping, a project's file
on top of it, errors naming file and line, and every voucher balanced to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from recon_lib import journal
from recon_lib.errors import InputError


def test_the_built_in_mapping_has_every_kind():
    mapping = journal.load_accounts()
    assert set(mapping.accounts) == set(journal.KINDS)
    assert mapping.account("receivable", "tmall") == journal.Account("1122", "应收账款")
    assert mapping.account("revenue", "tmall").code == "6001"


def test_a_project_file_overrides_per_channel_and_currency(tmp_path):
    path = tmp_path / "accounts.yml"
    path.write_text("vat_rate: 0\naccounts:\n  cogs: {code: 5401, name: 主营业务成本-商品}\n"
                    "channels:\n  tmall:\n    receivable: {code: '1122.01', name: 应收账款-天猫}\n"
                    "currencies:\n  USD:\n    receivable: {code: '1122.09', name: 应收-美元}\n",
                    encoding="utf-8")
    mapping = journal.load_accounts(path)
    assert mapping.vat_rate == 0
    assert mapping.account("cogs", "jd").code == "5401"
    assert mapping.account("revenue", "jd").code == "6001"   # the built-in one stays
    assert mapping.account("receivable", "tmall", "USD").code == "1122.01"  # channel first
    assert mapping.account("receivable", "shop", "USD").code == "1122.09"
    assert mapping.account("receivable", "jd").code == "1122"


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("accounts:\n  receivable: {code: '1122', name: 应收}\n  revenu: {code: '6001', name: x}\n",
     3, "unknown kind of amount 'revenu'"),
    ("accounts:\n  freight: {code: 6601.10, name: 运费}\n", 2, "in quotes"),
    ("channels:\n  taobao:\n    receivable: {code: '1122', name: x}\n", 2, "unknown channel"),
    ("vat_rate: 13\n", 1, "share from 0 to 1"),
    ("voucher_word: 记\nvoucher_word: 转\n", 2, "duplicate key"),
    ("accounts:\n  cogs: {code: '6401'}\n", 2, "expected {code"),
    ("colour: red\n", 1, "unknown key 'colour'"),
])
def test_a_broken_mapping_names_file_and_line(tmp_path, text, line, expected):
    path = tmp_path / "accounts.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        journal.load_accounts(path)
    message = " ".join([str(caught.value), *map(str, caught.value.problems)])
    assert f"{path}, line {line}" in message
    assert expected in message


def test_an_unbalanced_voucher_cannot_be_made():
    account = journal.Account("1122", "应收账款")
    with pytest.raises(journal.UnbalancedVoucher):
        journal.Voucher(1, date(2026, 10, 31), "sales", "tmall", "x", (
            journal.Entry(account, Decimal("10.00"), Decimal(0)),
            journal.Entry(account, Decimal(0), Decimal("9.99"))))


def figures(values: dict[str, float | None], channel: str = "tmall") -> pd.DataFrame:
    rows = [("pnl", f, channel, v, "") for f, v in values.items()]
    return pd.DataFrame(rows, columns=["section", "figure", "channel", "amount", "note"])


@pytest.mark.parametrize("amount", [0.01, 0.07, 1.13, 99.99, 12345.67, 100000.01, 7.77])
def test_vat_split_balances_to_the_cent(amount):
    made = journal.build(figures({"net_sales": amount, "refunds": amount}), "2026-10",
                         journal.load_accounts())
    for voucher in made.vouchers:
        assert voucher.debit == voucher.credit == Decimal(str(amount))


def test_a_figure_not_known_makes_no_voucher_and_says_why():
    df = figures({"net_sales": 100.0, "freight_billed": 20.0, "freight_claims": None,
                  "cogs": float("nan")})
    df.loc[df["figure"] == "cogs", "note"] = "3 lines without an amount"
    made = journal.build(df, "2026-10", journal.load_accounts())
    assert [v.kind for v in made.vouchers] == ["sales"]
    skipped = {(kind, why) for kind, _, why in made.skipped}
    assert ("cogs", "3 lines without an amount") in skipped
    assert any(kind == "freight" for kind, _ in skipped)


def test_freight_and_fx_post_to_the_right_sides():
    made = journal.build(figures({"freight_billed": 50.0, "freight_claims": 8.0,
                                  "fx_difference": -6.66}), "2026-10", journal.load_accounts())
    entries = journal.frame(made).set_index(["voucher_kind", "account_code"])
    assert entries.loc[("freight", "6601.02"), "debit"] == 42.0
    assert entries.loc[("freight", "1221"), "debit"] == 8.0
    assert entries.loc[("freight", "2202"), "credit"] == 50.0
    assert entries.loc[("fx", "6603.02"), "debit"] == 6.66      # a loss
    assert entries.loc[("fx", "1122"), "credit"] == 6.66
    assert (journal.frame(made)["voucher_date"] == date(2026, 10, 31)).all()


def test_cod_fees_and_parcel_compensation_post_to_the_right_sides():
    made = journal.build(figures({"cod_fees": 26.53, "cod_fee_claims": 1.0,
                                  "parcel_compensation": 84.0, "parcel_claims": 19.5}),
                         "2026-10", journal.load_accounts())
    assert [v.kind for v in made.vouchers] == ["cod_fees", "parcel_compensation",
                                               "parcel_claims"]
    entries = journal.frame(made).set_index(["voucher_kind", "account_code"])
    assert entries.loc[("cod_fees", "6603.03"), "debit"] == 25.53    # the contract's fee
    assert entries.loc[("cod_fees", "1221"), "debit"] == 1.0         # above it: claimed back
    assert entries.loc[("cod_fees", "1122"), "credit"] == 26.53      # kept from the COD money
    assert entries.loc[("parcel_compensation", "2202"), "debit"] == 84.0  # less owed the courier
    assert entries.loc[("parcel_compensation", "6301"), "credit"] == 84.0
    assert entries.loc[("parcel_claims", "1221"), "debit"] == 19.5
    assert entries.loc[("parcel_claims", "6301"), "credit"] == 19.5


def test_cod_fees_not_known_make_no_voucher():
    made = journal.build(figures({"cod_fees": None, "cod_fee_claims": None}), "2026-10",
                         journal.load_accounts())
    assert not made.vouchers and [k for k, _, _ in made.skipped] == ["cod_fees"]


def test_a_run_with_a_broken_project_mapping_stops_before_anything(tmp_path, monkeypatch):
    from recon_lib import config
    from recon_lib.periods import parse_period
    from recon_lib.pipeline import run_period

    broken = tmp_path / "accounts.yml"
    broken.write_text("accounts:\n  cogs: {code: 6401.1, name: 成本}\n", encoding="utf-8")
    monkeypatch.setattr(config, "ACCOUNTS_FILE", broken)
    with pytest.raises(InputError) as caught:
        run_period(parse_period("2026-10"), data_dir=tmp_path / "raw",
                   db_path=tmp_path / "recon.duckdb", reports_dir=tmp_path / "reports")
    assert f"{broken}, line 2" in " ".join(map(str, caught.value.problems))
    assert not (tmp_path / "recon.duckdb").exists() and not (tmp_path / "reports").exists()
