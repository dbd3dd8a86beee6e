"""Couriers' COD remittance statements (代收货款回款明细) and COD terms through the built-in
profiles: a title and a totals line above the header, checked; a statement without them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recon_lib.errors import InputError
from recon_lib.load import load_profiles, read_file
from recon_lib.periods import parse_period

OCT = parse_period("2026-10")
HEADER = "快递公司,回款批次号,回款日期,运单号,签收时间,代收金额,手续费,回款金额\n"
LINES = ("顺丰速运,SFHK2026100610,2026-10-06,SF1261027540000016,2026-10-04 21:07:38,85.90,2.00,83.90\n"
         "顺丰,SFHK2026100610,2026-10-06,0261035920000113,,36.40,2.00,34.40\n")


@pytest.fixture(scope="module")
def profiles():
    return load_profiles()


def test_a_statement_with_a_title_and_totals_above_the_header(tmp_path, profiles):
    path = tmp_path / "顺丰代收货款回款明细.csv"
    path.write_text("顺丰速运 代收货款回款明细\n合计,,,2,,122.30,4.00,118.30\n" + HEADER + LINES,
                    encoding="utf-8-sig")
    frame = read_file(path, profiles["cod_remittance_statement"], OCT)
    assert frame["carrier"].tolist() == ["SF", "SF"]
    assert frame["tracking_no"].tolist() == ["SF1261027540000016", "0261035920000113"]
    assert frame["remit_date"].tolist() == [date(2026, 10, 6)] * 2
    assert frame["remitted_amount"].tolist() == [Decimal("83.90"), Decimal("34.40")]
    assert frame["signed_at"].isna().tolist() == [False, True]


def test_totals_that_do_not_add_up_name_the_column(tmp_path, profiles):
    path = tmp_path / "sf_cod.csv"
    path.write_text("合计,,,2,,122.30,4.00,119.30\n" + HEADER + LINES, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_file(path, profiles["cod_remittance_statement"], OCT)
    text = str(caught.value.problems)
    assert "回款金额" in text and "119.30" in text and "118.30" in text


def test_a_plain_statement_without_fee_or_sign_time(tmp_path, profiles):
    path = tmp_path / "yto_cod.csv"
    path.write_text("快递公司,回款批次号,回款日期,运单号,代收金额,回款金额\n"
                    "圆通速递,Y1,2026-10-09,YT261059110000085,182.60,181.14\n", encoding="utf-8")
    frame = read_file(path, profiles["cod_remittance_statement"], OCT)
    assert frame.loc[0, "carrier"] == "YTO" and frame["service_fee"].isna().all()


def test_cod_terms(tmp_path, profiles):
    path = tmp_path / "cod_terms.csv"
    path.write_text("快递公司,回款周期(天),手续费率,最低手续费,打款户名,生效日期,失效日期\n"
                    "SF,7,0.01,2.00,顺丰速运有限公司,2026-01-01,\n", encoding="utf-8")
    frame = read_file(path, profiles["cod_terms"], OCT)
    row = frame.iloc[0]
    assert (row["carrier"], row["remit_days"], row["fee_rate"], row["fee_min"]) == (
        "SF", 7, Decimal("0.010000"), Decimal("2.00"))
    assert row["effective_from"] == date(2026, 1, 1) and row["payer"] == "顺丰速运有限公司"
