"""Marketplace and payment-processor exports through the built-in profiles: Amazon settlement
reports (flat file V2 and the older per-fee-family layout), Shopify Payments, PayPal (English
and German), Stripe, and the Tmall order report.

Hand-made fixtures reproduce each layout's quirks; the real samples in ``../shared/realdata``
are read too when that folder is there. Amounts are exact decimals; times with a zone or an
offset become Asia/Shanghai wall-clock times.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from realformats_helpers import FIXTURES, read

from recon_lib.errors import InputError

D = Decimal


def total(frame, column: str = "amount") -> Decimal:
    return sum((v for v in frame[column] if v is not None), Decimal(0))


def problems(path: Path, builtin, period: str = "2026-10") -> list[tuple]:
    with pytest.raises(InputError) as err:
        read(path, builtin, period)
    return [(p.row, p.column, p.message) for p in err.value.problems]


# -- Amazon settlement report, flat file V2 --------------------------------------------------------
def test_amazon_v2(builtin):
    frame = read(FIXTURES / "amazon_settlement_v2.txt", builtin, expected="amazon_settlement_v2")
    assert len(frame) == 12 and frame["source_row"].iloc[0] == 3  # the summary row is not a line
    assert total(frame) == D("109.29")  # = total-amount, checked by the profile's totals
    assert set(frame["currency"]) == {"USD"}  # lines without a currency take the summary's
    assert set(frame["payout_id"]) == {"90000000001"}
    assert frame["line_type"].tolist() == ["sale", "sale", "commission", "fee", "commission",
                                           "sale", "commission", "refund", "commission",
                                           "commission", "fee", "transfer"]
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 2, 16, 0)  # 08:00:00 UTC
    assert frame["settled_at"].iloc[5] == datetime(2026, 10, 4, 7, 30)  # 23:30 UTC, the next day
    ids = frame["settlement_id"].tolist()
    assert ids[2] == "90000000001/Order/111-0000001-0000001/60000000001/ItemFees/Commission"
    assert ids[4] == ids[2] + "#2"  # the same line twice in the report
    assert frame["order_id"].iloc[-1] is None


def test_amazon_v2_truncated_report_is_refused(tmp_path, builtin):
    text = (FIXTURES / "amazon_settlement_v2.txt").read_text(encoding="utf-8")
    path = tmp_path / "settlement.txt"
    path.write_text(text.rsplit("\n", 2)[0] + "\n", encoding="utf-8")  # the last line is lost
    assert problems(path, builtin) == [(2, "total-amount", "total 'total-amount' in the totals row "
                                        "is 109.29 but the lines give 159.29 (sum of amount): "
                                        "difference -50.00 (total minus lines)")]


@pytest.mark.realdata
def test_amazon_v2_real(realdata, builtin):
    frame = read(realdata / "amazon-settlement-parser/sample/settlement-sample.txt", builtin,
                 "2026-06", "amazon_settlement_v2")
    assert len(frame) == 23 and total(frame) == D("582.89")
    assert frame["settled_at"].iloc[0] == datetime(2026, 6, 17, 16, 14, 22)  # 08:14:22 UTC
    assert (frame["line_type"] == "transfer").sum() == 2  # reserve amounts
    refund = frame[frame["order_id"] == "112-5561209-7742044"]
    assert refund["line_type"].tolist() == ["refund", "commission", "commission"]
    assert refund["amount"].tolist() == [D("-129.99"), D("-5.00"), D("19.50")]
    assert set(frame["payout_id"]) == {"28471003921"} and frame["settlement_id"].is_unique


# -- Amazon settlement report, older layout (one column per fee family) ----------------------------
def test_amazon_v1(builtin):
    frame = read(FIXTURES / "amazon_settlement_v1.txt", builtin, expected="amazon_settlement_v1")
    # 13 rows under the header: the summary is not a line, the quantity-only row has no amount.
    assert len(frame) == 11 and total(frame) == D("1788.00")
    assert 7 not in frame["source_row"].tolist()
    assert set(frame["currency"]) == {"JPY"}  # only on the summary row
    assert frame["line_type"].tolist() == ["sale", "sale", "commission", "fee", "adjustment",
                                           "refund", "commission", "fee", "transfer", "sale",
                                           "commission"]
    assert frame["amount"].iloc[0] == D("1000.00")  # "1000.00 " with a trailing space
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 5, 9)  # 01:00+00:00
    assert frame["settled_at"].iloc[7] == datetime(2026, 10, 7, 2)  # 03:00+09:00
    assert frame["settlement_id"].iloc[0] == "12222191753/Order/249-0000001-0000001/OI1/Principal"


def test_amazon_v1_without_promotion_columns(tmp_path, builtin):
    lines = (FIXTURES / "amazon_settlement_v1.txt").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    drop = {header.index(h) for h in ("promotion-id", "promotion-type", "promotion-amount")}
    kept = ["\t".join(c for i, c in enumerate(line.split("\t")) if i not in drop) for line in lines]
    kept[1] = kept[1].replace("1788.00", "1838.00")  # without the -50.00 promotion
    kept = [line for line in kept if "\tP1\t" not in line]
    path = tmp_path / "settlement.txt"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    frame = read(path, builtin, expected="amazon_settlement_v1")
    assert len(frame) == 10 and total(frame) == D("1838.00")
    assert "adjustment" not in set(frame["line_type"])


def test_amazon_v1_total_that_does_not_add_up_is_refused(tmp_path, builtin):
    text = (FIXTURES / "amazon_settlement_v1.txt").read_text(encoding="utf-8")
    path = tmp_path / "settlement.txt"
    path.write_text(text.replace("\t1788.00\t", "\t1788.01\t"), encoding="utf-8")
    assert problems(path, builtin) == [(2, "total-amount", "total 'total-amount' in the totals row "
                                        "is 1788.01 but the lines give 1788.00 (sum of amount): "
                                        "difference 0.01 (total minus lines)")]


# -- Shopify Payments ------------------------------------------------------------------------------
def test_shopify(builtin):
    frame = read(FIXTURES / "shopify_payments.csv", builtin, expected="shopify_payments")
    assert frame["line_type"].tolist() == ["sale", "fee", "sale", "fee", "refund", "sale", "fee",
                                           "adjustment"]
    assert frame["amount"].tolist() == [D("120.00"), D("-3.78"), D("59.90"), D("-2.04"),
                                        D("-20.00"), D("35.00"), D("-1.32"), D("-1.50")]
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 2, 22, 22, 5)  # 10:22:05 -0400
    assert frame["settled_at"].iloc[5] == datetime(2026, 10, 5, 11, 30)  # the next day here
    assert frame["settlement_id"].iloc[1] == "2026-10-02 10:22:05 -0400/charge/#1001/120.00-fee"
    # One payout per payout day: its lines add up to the Net paid out that day.
    by_payout = {p: total(frame[frame["payout_id"] == p]) for p in set(frame["payout_id"])}
    assert by_payout == {"2026-10-05": D("154.08"), "2026-10-07": D("32.18")}


# -- PayPal ---------------------------------------------------------------------------------------
def test_paypal_english(builtin):
    frame = read(FIXTURES / "paypal_activity.csv", builtin, expected="paypal_activity")
    assert frame["settlement_id"].tolist() == ["1A000000000000001", "1A000000000000001-fee",
                                               "1A000000000000002", "1A000000000000002-fee",
                                               "1A000000000000003", "1A000000000000004"]
    assert frame["line_type"].tolist() == ["sale", "fee", "refund", "fee", "transfer", "other"]
    assert frame["amount"].tolist() == [D("1250.00"), D("-36.55"), D("-50.00"), D("1.45"),
                                        D("-1000.00"), D("-9.99")]
    assert total(frame) == D("154.91")  # the Net column's sum, the last Balance
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 2, 17, 32, 15)  # 02:32:15 PDT
    assert frame["order_id"].iloc[0] == "INV-1001"


def test_paypal_personal_data_is_never_quoted(tmp_path, builtin):
    text = (FIXTURES / "paypal_activity.csv").read_text(encoding="utf-8")
    text = text.replace(',"1,250.00",-36.55,', ',"1 Main St, Springfield",-36.55,')  # a paste slip
    path = tmp_path / "paypal.csv"
    path.write_text(text, encoding="utf-8")
    found = problems(path, builtin)
    assert found == [(2, "Gross", "expected a number, got '<private>' (like 1234.56)")]


def test_paypal_german(builtin):
    frame = read(FIXTURES / "paypal_activity_de.csv", builtin, expected="paypal_activity_de")
    assert frame["amount"].tolist() == [D("1250.00"), D("-36.55"), D("92.15"), D("-100.00"),
                                        D("-50.00"), D("1.45")]  # 1.250,00 with a decimal comma
    assert frame["line_type"].tolist() == ["sale", "fee", "transfer", "transfer", "refund", "fee"]
    assert frame["currency"].tolist()[2:4] == ["EUR", "USD"]
    assert frame["settlement_id"].tolist()[2:4] == ["2B000000000000002", "2B000000000000002#2"]
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 2, 20, 32, 15)  # 14:32:15 CEST
    assert frame["settled_at"].iloc[4] == datetime(2026, 10, 28, 16, 0)  # 09:00 CET


def test_paypal_file_in_the_wrong_encoding_is_refused(tmp_path, builtin):
    text = (FIXTURES / "paypal_activity.csv").read_text(encoding="utf-8")
    path = tmp_path / "paypal.csv"
    path.write_bytes(text.replace("Buyer Two", "Büyer Two").encode("cp1252"))
    found = problems(path, builtin)
    assert len(found) == 1 and found[0][0] == 3  # the line of the first byte that is not UTF-8
    assert found[0][2].startswith("byte fc at offset ") and "not valid utf-8-sig" in found[0][2]


@pytest.mark.realdata
def test_paypal_real_files(realdata, builtin):
    english = read(realdata / "beancount-paypal/tests/testdata/test_e2e/"
                   "test_e2e_english_paypal_import/input.csv", builtin, "2025-09", "paypal_activity")
    assert len(english) == 8 and total(english) == D("493.85")  # 5 rows + 3 fee lines
    assert english["amount"].tolist()[:2] == [D("100.00"), D("-2.90")]  # Fee 2.90, Net 97.10
    german = read(realdata / "beancount-paypal/tests/testdata/test_e2e/"
                  "test_e2e_german_paypal_import/input.csv", builtin, "2025-09", "paypal_activity_de")
    assert len(german) == 8 and total(german) == D("-21.35")
    assert german["settled_at"].iloc[0] == datetime(2025, 9, 15, 20, 32, 15)  # 14:32:15 CEST
    custom = read(realdata / "hledger/examples/csv/other/paypal-custom.csv", builtin, "2019-10",
                  "paypal_activity")
    assert len(custom) == 8 and total(custom) == D("9.41")
    assert custom["line_type"].tolist()[:2] == ["other", "transfer"]  # "Bank Deposit to PP Account "
    assert custom["amount"].tolist()[-2:] == [D("10.00"), D("-0.59")]


# -- Stripe ---------------------------------------------------------------------------------------
def test_stripe(builtin):
    frame = read(FIXTURES / "stripe_balance.csv", builtin, expected="stripe_balance")
    assert frame["line_type"].tolist() == ["sale", "fee", "refund", "adjustment", "fee"]
    assert frame["amount"].tolist() == [D("100.00"), D("-3.20"), D("-20.00"), D("-15.00"),
                                        D("-15.00")]
    assert set(frame["currency"]) == {"USD"}  # usd
    assert frame["settled_at"].iloc[0] == datetime(2026, 10, 2, 16, 26, 29)  # created_utc + 8h
    assert frame["payout_id"].tolist() == ["po_1000000000000001"] * 3 + [None, None]


@pytest.mark.realdata
def test_stripe_real(realdata, builtin):
    frame = read(realdata / "hledger/examples/csv/other/stripe.csv", builtin, "2020-01",
                 "stripe_balance")
    assert frame["amount"].tolist() == [D("12.00"), D("-0.77")]  # fees are 0.00: no fee lines
    assert frame["settled_at"].tolist() == [datetime(2020, 1, 23, 16, 26, 29),
                                            datetime(2020, 1, 23, 16, 26, 31)]


# -- Tmall order report ---------------------------------------------------------------------------
def test_tmall_orders(builtin):
    frame = read(FIXTURES / "tmall_orders.csv", builtin, expected="tmall_orders")
    assert frame["order_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert frame["status"].tolist() == ["cancelled", "paid", "paid", "paid", "paid"]
    assert frame["paid_at"].iloc[0] is None
    # paid_amount is what the buyer paid: 买家实际支付金额 is after refunds, so the refund is added.
    assert frame["paid_amount"].tolist() == [D("0.00"), D("21.00"), D("137.00"), D("57.50"),
                                             D("1022.35")]
    assert frame["goods_amount"].tolist()[0] == D("178.80")
    assert frame["refunded_amount"].tolist() == [D("0.00"), D("0.00"), D("37.00"), D("57.50"),
                                                 D("0.00")]
    assert frame["ship_province"].iloc[1] == "内蒙古自治区"
    assert set(frame["channel"]) == {"tmall"} and set(frame["currency"]) == {"CNY"}


@pytest.mark.realdata
def test_tmall_real(realdata, builtin):
    frame = read(realdata / "echarts/tmall_order_report1.csv", builtin, "2020-02", "tmall_orders")
    assert len(frame) == 28010 and frame["order_id"].is_unique
    assert (frame["status"] == "cancelled").sum() == 3923  # empty 订单付款时间
    assert total(frame, "goods_amount") == D("2995760.61")
    # 1902487.15 paid after refunds + 572335.92 refunded
    assert total(frame, "paid_amount") == D("2474823.07")
    assert total(frame, "refunded_amount") == D("572335.92")
    assert (frame["refunded_amount"] > 0).sum() == 5646
    assert frame["created_at"].iloc[1] == datetime(2020, 2, 20, 23, 59, 54)
