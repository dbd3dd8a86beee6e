"""Order intake checks on a small hand-written month: each rule with the near misses beside it,
phones shown masked only, and a check without its column not checked."""

from __future__ import annotations

import pytest

from recon_lib import coverage, geo
from recon_lib.config import Settings
from recon_lib.periods import parse_period
from recon_lib.pipeline import assess_coverage
from recon_lib.privacy import mask_phone
from recon_lib.recons import intake
from recon_lib.recons.base import RunContext
from tests.conftest import insert

OCT = parse_period("2026-10")


def order(oid, *, at="2026-10-10 10:00:00", paid="default", status="completed",
          phone="13800138000", province="广东", city="广州市", postcode="510000",
          name="张三", address=None, paid_amount=100, discount=0, fee=0):
    return {"order_id": oid, "channel": "tmall", "status": status, "created_at": at,
            "paid_at": at if paid == "default" else paid, "customer_name": name,
            "customer_phone": phone, "ship_province": province, "ship_city": city,
            "ship_address": address or f"人民路{oid}号", "ship_postcode": postcode, "currency": "CNY",
            "goods_amount": 100, "shipping_fee": fee, "discount": discount,
            "paid_amount": paid_amount}


def line(oid, sku="A", qty=2, price=50, no=1):
    return {"order_id": oid, "line_no": no, "sku": sku, "qty": qty, "unit_price": price,
            "line_amount": qty * price}


ORDERS = [
    order("OK"),
    order("PHONE", phone="1380013800"), order("PHONE-INTL", phone="+86 138 0013 8000"),
    order("PHONE-LAND", phone="021-6234 5678"), order("PHONE-NONE", phone=None),
    order("CITY", city="成都市"), order("NOCITY", city=None),
    order("WRITTEN", province="浙江省", city="杭州", postcode="310000"),
    order("DISTRICT", province="上海", city="浦东新区", postcode="200120"),
    order("POST", postcode="100000"), order("POST5", postcode="51000"),
    order("UNKNOWN"), order("INACTIVE"), order("UNSAID"),
    order("PRICE", paid_amount=70), order("PRICE-NEAR", paid_amount=82),
    order("TOTAL", paid_amount=110), order("TOTAL-CENT", paid_amount=100.01),
    order("TOTAL-FEE", paid_amount=98, fee=8, discount=10),
    # the same buyer, address and items: 20 minutes later (a finding), two hours later, and
    # cancelled; the same buyer with other items
    *[order(o, at=at, status=st, name="李四", phone="13900139000", address="解放路9号")
      for o, at, st in (("D1", "2026-10-12 10:00:00", "completed"),
                        ("D2", "2026-10-12 10:20:00", "completed"),
                        ("D3", "2026-10-12 12:30:00", "completed"),
                        ("D4", "2026-10-12 10:05:00", "cancelled"),
                        ("D5", "2026-10-12 10:10:00", "completed"))],
    order("ST1", at="2026-10-10 09:00:00", paid_amount=90),
    order("ST2", at="2026-10-22 09:00:00", paid_amount=60),
    order("ST3", at="2026-10-22 09:30:00", status="cancelled", paid_amount=1000),
    order("PAY-NONE", paid=None), order("PAY-EARLY", paid="2026-10-10 09:00:00"),
    order("PAY-SAME", paid="2026-10-10 10:00:00"),
    order("PAY-CANCELLED", paid=None, status="cancelled"),
]
SPECIAL = {"UNKNOWN": [line("UNKNOWN", sku="Z")], "INACTIVE": [line("INACTIVE", sku="OLD")],
           "UNSAID": [line("UNSAID", sku="NEW")],
           "PRICE": [line("PRICE", price=35)], "PRICE-NEAR": [line("PRICE-NEAR", price=41)],
           "D5": [line("D5", sku="B")],
           "ST1": [line("ST1", sku="S", qty=9, price=10)],
           "ST2": [line("ST2", sku="S", qty=6, price=10)],
           "ST3": [line("ST3", sku="S", qty=100, price=10)]}


@pytest.fixture
def month(db):
    insert(db, "orders", ORDERS)
    insert(db, "order_lines", [row for o in ORDERS
                               for row in SPECIAL.get(o["order_id"], [line(o["order_id"])])])
    insert(db, "products", [
        {"sku": "A", "list_price": 50, "unit_cost": 20, "active": True},
        {"sku": "B", "list_price": 50, "unit_cost": 20, "active": True},
        {"sku": "OLD", "list_price": 50, "unit_cost": 20, "active": False},
        {"sku": "NEW", "list_price": 50, "unit_cost": 20, "active": None},
        {"sku": "S", "list_price": 10, "unit_cost": 4, "active": True}])
    # 15 on hand on the 31st; since 10 Oct: 4 out on the 20th, 10 in on the 25th
    insert(db, "inventory_snapshots", [
        {"snapshot_date": "2026-10-31", "warehouse": w, "sku": "S", "on_hand": q}
        for w, q in (("上海仓", 10), ("广州仓", 5))])
    insert(db, "inventory_movements", [
        {"movement_id": "M1", "warehouse": "上海仓", "sku": "S", "movement_type": "outbound",
         "qty": 4, "posted_at": "2026-10-20 10:00:00"},
        {"movement_id": "M2", "warehouse": "上海仓", "sku": "S", "movement_type": "inbound",
         "qty": 10, "posted_at": "2026-10-25 10:00:00"}])
    return db


def run(db, **settings) -> dict[tuple[str, str], tuple[float, str]]:
    intake.reconcile(RunContext(db, OCT, "run-1", Settings(**settings)))
    rows = db.execute("select reason_code, key, amount, explanation from discrepancies "
                      "where recon = 'intake'").fetchall()
    return {(c, k): (None if a is None else float(a), e) for c, k, a, e in rows}


def keys(found, code) -> set[str]:
    return {k for c, k in found if c == code}


def test_phones_mainland_mobile_or_landline_shown_masked(month):
    found = run(month)
    assert keys(found, "INTAKE_BAD_PHONE") == {"PHONE"}
    amount, text = found["INTAKE_BAD_PHONE", "PHONE"]
    assert amount == 100
    assert mask_phone("1380013800") in text and "1380013800" not in text


def test_address_without_city_or_with_a_city_of_another_province(month):
    found = run(month)
    assert keys(found, "INTAKE_BAD_ADDRESS") == {"CITY", "NOCITY"}
    assert "成都市 lies in 四川, not in 广东" in found["INTAKE_BAD_ADDRESS", "CITY"][1]


def test_postcode_of_another_province_or_not_six_digits(month):
    assert keys(run(month), "INTAKE_BAD_POSTCODE") == {"POST", "POST5"}


def test_skus_unknown_discontinued_and_priced_off_the_list(month):
    found = run(month)
    assert keys(found, "INTAKE_UNKNOWN_SKU") == {"UNKNOWN|Z"}
    assert keys(found, "INTAKE_INACTIVE_SKU") == {"INACTIVE|OLD"}   # NEW's master says nothing
    assert keys(found, "INTAKE_PRICE_OFF_LIST") == {"PRICE|A"}      # 41 is 18% off: inside
    assert found["INTAKE_PRICE_OFF_LIST", "PRICE|A"][0] == 30       # (50 - 35) x 2


def test_a_price_below_cost_is_off_whatever_the_tolerance(month):
    month.execute("update order_lines set unit_price = 19, line_amount = 38 "
                  "where order_id = 'PRICE-NEAR'")
    found = run(month, intake_price_tolerance=0.9)
    assert keys(found, "INTAKE_PRICE_OFF_LIST") == {"PRICE-NEAR|A"}
    assert "below its cost 20" in found["INTAKE_PRICE_OFF_LIST", "PRICE-NEAR|A"][1]


def test_order_total_against_lines_freight_and_discounts(month):
    found = run(month)
    assert keys(found, "INTAKE_TOTAL_MISMATCH") == {"TOTAL"}   # a cent is rounding
    assert found["INTAKE_TOTAL_MISMATCH", "TOTAL"][0] == 10


def test_likely_duplicate_within_the_window_only_and_not_when_cancelled(month):
    found = run(month)
    assert keys(found, "INTAKE_LIKELY_DUPLICATE") == {"D2"}
    assert "20 minute(s) after order D1" in found["INTAKE_LIKELY_DUPLICATE", "D2"][1]
    assert keys(run(month, intake_duplicate_minutes=15), "INTAKE_LIKELY_DUPLICATE") == set()


def test_over_stock_from_the_next_snapshot_less_the_movements_since(month):
    found = run(month)
    # ST1 took exactly the 9 on hand (15 - (-4 + 10)); ST2 asked 6 of the 5 left; ST3 cancelled
    assert keys(found, "INTAKE_OVER_STOCK") == {"ST2|S"}
    assert found["INTAKE_OVER_STOCK", "ST2|S"][0] == 10


def test_payment_time_missing_or_before_the_order(month):
    assert keys(run(month), "INTAKE_PAYMENT_TIME") == {"PAY-NONE", "PAY-EARLY"}


def test_the_well_formed_orders_carry_no_finding(month):
    clean = {"OK", "PHONE-INTL", "PHONE-LAND", "PHONE-NONE", "WRITTEN", "DISTRICT", "UNSAID",
             "PRICE-NEAR", "TOTAL-CENT", "TOTAL-FEE", "D1", "D3", "D4", "D5", "ST1", "ST3",
             "PAY-SAME", "PAY-CANCELLED"}
    assert {k.partition("|")[0] for _, k in run(month)} & clean == set()


def test_orders_without_a_phone_or_with_an_unknown_place_are_counted_not_judged(month):
    run(month)
    rows = dict(((r, f), n) for r, f, n, _ in
                month.query("intake_uncheckable").itertuples(index=False))
    assert rows[("INTAKE_BAD_PHONE", "orders.customer_phone")] == 1      # PHONE-NONE
    assert rows[("INTAKE_BAD_ADDRESS", "orders.ship_city")] == 1         # 浦东新区


def test_a_check_without_its_column_is_not_checked(month):
    month.execute("update orders set ship_postcode = null")
    month.execute("update products set active = null")
    state = {(c.check.recon, c.check.name): c.status
             for c in assess_coverage(month, OCT).checks}
    assert state["intake", "postcode"] == coverage.NOT_CHECKED
    assert state["intake", "active"] == coverage.NOT_CHECKED
    assert state["intake", "phone"] == coverage.CHECKED


def test_the_sql_mask_is_the_privacy_mask(db):
    for phone in ("13812341234", "+86 138-1234-1234", "021-1234", "0755-86001234", "12"):
        assert db.scalar("select mask_phone($p)", {"p": phone}) == mask_phone(phone), phone


def test_postcode_provinces():
    assert geo.province_of_postcode("510640") == "广东"
    assert geo.province_of_postcode("400010") == "重庆"
    assert geo.province_of_postcode("51064") is None
    assert geo.province_of_postcode("990000") is None


def test_an_order_is_judged_in_the_period_it_came_in(db):
    # placed on the last evening of September, paid after midnight: October's export lists it
    insert(db, "orders", [order("LATE", at="2026-09-30 23:50:00", paid="2026-10-01 00:10:00",
                                phone="123")], period="2026-10")
    insert(db, "order_lines", [line("LATE")], period="2026-10")
    september = parse_period("2026-09")
    intake.reconcile(RunContext(db, september, "run-9", Settings()))
    intake.reconcile(RunContext(db, OCT, "run-10", Settings()))
    found = db.execute("select period, key from discrepancies "
                       "where reason_code = 'INTAKE_BAD_PHONE'").fetchall()
    assert found == [("2026-10", "LATE")]
