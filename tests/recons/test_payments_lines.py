"""An order's sale comes in as many lines as real reports give it (Amazon: each item's Principal,
its Tax and Shipping, one item posted with quantity 1 and again with quantity 2; Shopify: a second
charge of another amount): the sale check adds them up. Only the same line listed twice (same
order, amount, currency, time and line_ref: the platform's line id, or the item and kind of
amount where it has none) is PAY_DUPLICATE_LINE, and it counts once in the sum."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from recon_lib.config import Settings
from recon_lib.load import detect, load_profiles, read_file
from recon_lib.periods import parse_period
from recon_lib.recons import payments
from recon_lib.recons.base import RunContext
from tests.conftest import REALDATA, insert

SALE_CODES = ("PAY_GROSS_MISMATCH", "PAY_DUPLICATE_LINE", "PAY_UNKNOWN_ORDER")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "load" / "realformats"
AMAZON_REAL = REALDATA / "amazon-settlement-parser" / "sample" / "settlement-sample.txt"


def orders(db, paid: dict[str, object], channel: str) -> None:
    insert(db, "orders", [{"order_id": o, "channel": channel, "status": "completed",
                           "created_at": "2026-06-01", "paid_at": "2026-06-01 10:00:00",
                           "currency": "CNY", "goods_amount": p, "paid_amount": p}
                          for o, p in paid.items()])


def rates(db, currency: str, rate: str, first: date, days: int) -> None:
    insert(db, "fx_rates", [{"rate_date": first + timedelta(days=i), "currency": currency,
                             "rate_to_cny": rate} for i in range(days)])


def line(sid, oid, amount, at, ref=None, kind="sale", channel="tmall", currency="CNY"):
    return {"channel": channel, "settlement_id": sid, "line_ref": ref, "order_id": oid,
            "line_type": kind, "amount": amount, "currency": currency, "settled_at": at}


def sale_findings(db, period: str) -> dict[tuple[str, str], tuple[float, str]]:
    payments.reconcile(RunContext(db=db, period=parse_period(period), run_id="t",
                                  settings=Settings()))
    df = db.df("SELECT reason_code, key, amount, explanation FROM discrepancies "
               "WHERE reason_code IN ('PAY_GROSS_MISMATCH', 'PAY_DUPLICATE_LINE', "
               "'PAY_UNKNOWN_ORDER')")
    return {(r.reason_code, r.key): (float(r.amount), r.explanation) for r in df.itertuples()}


def loaded(db, path: Path, period: str) -> list[dict]:
    frame = read_file(path, detect(path, load_profiles()), parse_period(period))
    rows = frame.to_dict("records")
    insert(db, "settlement_lines", rows, period=period)
    return rows


# -- hand-written lines -----------------------------------------------------------------------------
def test_lines_of_one_order_add_up_and_only_a_line_listed_twice_is_a_duplicate(db):
    orders(db, {"T1": 100, "T2": 100, "T3": 100, "T4": 100, "T5": 80}, "tmall")
    at = "2026-10-06 10:00:00"
    insert(db, "settlement_lines", [
        line("L1", "T1", 50, at, "L1"), line("L2", "T1", 50, at, "L2"),   # two items, same price
        line("L3", "T2", 100, at, "L3"), line("L3#2", "T2", 100, at, "L3"),  # listed twice
        line("L4", "T3", 60, at, "L4"), line("L5", "T3", 30, at, "L5"),   # 10.00 short in total
        line("L6", "X9", 20, at, "L6"), line("L7", "X9", 25, at, "L7"),   # not our order
        # a line id repeated with another amount is not the same line: both count
        line("L8", "T4", 60, at, "L8"), line("L8#2", "T4", 40, at, "L8"),
        # no line id at all: the same order, amount and time cannot be told apart
        line("L9", "T5", 80, at), line("L10", "T5", 80, at),
    ], period="2026-10")
    got = sale_findings(db, "2026-10")
    assert {k: v[0] for k, v in got.items()} == {
        ("PAY_DUPLICATE_LINE", "L3#2"): 100.0,
        ("PAY_GROSS_MISMATCH", "T3"): 10.0,
        ("PAY_UNKNOWN_ORDER", "L6"): 45.0,
        ("PAY_DUPLICATE_LINE", "L10"): 80.0,
    }
    assert got[("PAY_DUPLICATE_LINE", "L3#2")][1] == (
        "sale of order T2 credited again by line L3#2, the same line as L3 (100.00 CNY on "
        "2026-10-06 10:00:00)")
    assert got[("PAY_GROSS_MISMATCH", "T3")][1] == (
        "order paid 100.00, the platform credited 90.00 CNY in 2 sale lines")
    assert got[("PAY_UNKNOWN_ORDER", "L6")][1] == (
        "2 sale lines (L6, ...) credit 45.00 CNY for order X9, which is not in the order export")


def test_a_second_shopify_charge_of_another_amount_is_its_own_line(db):
    orders(db, {"#2001": 80, "#2002": 50}, "shopify")
    insert(db, "settlement_lines", [
        line("a/charge/#2001/50.00", "#2001", 50, "2026-10-03 10:00:00",
             "a/charge/#2001/50.00", channel="shopify"),
        line("b/charge/#2001/30.00", "#2001", 30, "2026-10-04 09:00:00",
             "b/charge/#2001/30.00", channel="shopify"),
        # the buyer paid 50; the second charge of 30 is more money, not a repeated line
        line("c/charge/#2002/50.00", "#2002", 50, "2026-10-03 10:00:00",
             "c/charge/#2002/50.00", channel="shopify"),
        line("d/charge/#2002/30.00", "#2002", 30, "2026-10-03 10:00:00",
             "d/charge/#2002/30.00", channel="shopify"),
    ], period="2026-10")
    assert {k: v[0] for k, v in sale_findings(db, "2026-10").items()} == {
        ("PAY_GROSS_MISMATCH", "#2002"): 30.0}


# -- real layouts through the profiles --------------------------------------------------------------
def test_amazon_items_tax_and_shipping_are_one_sale(db):
    """The older Amazon layout: an item's Principal and Tax lines are the order's one sale."""
    rates(db, "JPY", "0.05", date(2026, 10, 1), 31)
    orders(db, {"249-0000001-0000001": Decimal("55.00"), "249-0000003-0000003": 100}, "amazon")
    loaded(db, FIXTURES / "amazon_settlement_v1.txt", "2026-10")
    assert sale_findings(db, "2026-10") == {}


@pytest.mark.realdata
def test_a_real_amazon_report_has_no_duplicate_lines(db):
    """Principal and Tax of one item, Principal and Shipping of one item (quantity 2) and the
    Principal of a second item of the same order: three orders, each settled in full."""
    if not AMAZON_REAL.is_file():
        pytest.skip(f"real-format samples not available: {AMAZON_REAL} does not exist")
    rates(db, "USD", "7", date(2026, 6, 1), 30)
    orders(db, {"114-8829371-4410258": Decimal("982.73"),      # (129.99 + 10.40) x 7
                "113-2047718-9930613": Decimal("997.43"),      # (89.00 + 7.99 + 45.50) x 7
                "114-9930211-5567819": Decimal("1470.00")}, "amazon")
    rows = loaded(db, AMAZON_REAL, "2026-06")
    sales = [r for r in rows if r["line_type"] == "sale"]
    assert len(sales) == 6 and len({r["order_id"] for r in sales}) == 3
    assert sale_findings(db, "2026-06") == {}


@pytest.mark.realdata
def test_a_real_amazon_line_listed_twice_is_one_duplicate_counted_once(db, tmp_path):
    if not AMAZON_REAL.is_file():
        pytest.skip(f"real-format samples not available: {AMAZON_REAL} does not exist")
    text = AMAZON_REAL.read_text(encoding="utf-8").splitlines()
    (principal,) = [t for t in text if "114-9930211-5567819" in t and "\tPrincipal\t" in t]
    text.insert(text.index(principal) + 1, principal)
    text[1] = text[1].replace("\t582.89\t", "\t792.89\t")   # the summary counts it too
    path = tmp_path / "settlement.txt"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    rates(db, "USD", "7", date(2026, 6, 1), 30)
    orders(db, {"114-8829371-4410258": Decimal("982.73"), "113-2047718-9930613": Decimal("997.43"),
                "114-9930211-5567819": Decimal("1470.00")}, "amazon")
    loaded(db, path, "2026-06")
    key = "28471003921/Order/114-9930211-5567819/55179004412/ItemPrice/Principal#2"
    assert {k: v[0] for k, v in sale_findings(db, "2026-06").items()} == {
        ("PAY_DUPLICATE_LINE", key): 210.0}


def test_a_settlement_line_number_listed_twice_loads_as_a_repeat(tmp_path):
    """平台结算明细: a 流水号 listed twice gets #2 and keeps its line_ref (the demo's duplicate)."""
    path = tmp_path / "platform_settlement_2026-10.csv"
    path.write_text(
        "结算流水号,平台,订单号,款项类型,金额(元),结算时间,提现单号\n"
        "JS1,天猫,T1,货款,100.00,2026-10-06 10:00:00,P1\n"
        "JS2,天猫,T2,货款,100.00,2026-10-06 10:00:00,P1\n"
        "JS1,天猫,T1,货款,100.00,2026-10-06 10:00:00,P1\n", encoding="utf-8")
    frame = read_file(path, detect(path, load_profiles()), parse_period("2026-10"))
    assert frame["settlement_id"].tolist() == ["JS1", "JS2", "JS1#2"]
    assert frame["line_ref"].tolist() == ["JS1", "JS2", "JS1"]
