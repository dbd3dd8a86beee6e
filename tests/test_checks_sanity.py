"""Input sanity: counts the source cannot give as zero or below, and line amounts that are not
quantity x unit price (declared per table in recon_lib/schema.py: ``quantities``, ``line_total``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd

from recon_lib import schema
from recon_lib.checks import check_tables
from recon_lib.errors import Problem


def frame(table: str, rows: list[dict], file: str = "f.csv") -> pd.DataFrame:
    """Rows of a canonical table with lineage; unspecified columns are null."""
    full = [{**{c: None for c in schema.TABLES[table].column_names}, **row,
             "period": "2026-10", "source_file": file, "source_row": i + 2}
            for i, row in enumerate(rows)]
    return pd.DataFrame(full, dtype=object)


def line(n: int, qty, price="10.00", amount=None) -> dict:
    price = None if price is None else Decimal(price)
    amount = qty * price if amount is None and price is not None else amount
    return {"order_id": "A1", "line_no": n, "sku": "S", "qty": qty, "unit_price": price,
            "line_amount": None if amount is None else Decimal(amount)}


def problems_of(table: str, rows: list[dict]) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.column, p.message) for p in check_tables({table: frame(table, rows)})]


def test_ordered_and_packed_quantities_are_above_zero():
    assert problems_of("order_lines", [line(1, 2), line(2, 0), line(3, -1)]) == [
        (3, "qty", "expected a quantity above 0, got 0"),
        (4, "qty", "expected a quantity above 0, got -1")]
    packed = [{"shipment_id": "P1", "sku": "S", "qty": 1}, {"shipment_id": "P1", "sku": "T",
                                                            "qty": 0}]
    assert problems_of("shipment_lines", packed) == [
        (3, "qty", "expected a quantity above 0, got 0")]


def test_a_return_request_asks_for_at_least_one_unit():
    request = {"return_id": "R1", "order_id": "A1", "sku": "S", "qty": 0,
               "requested_at": datetime(2026, 10, 3)}
    assert problems_of("return_requests", [request]) == [
        (2, "qty", "expected a quantity above 0, got 0")]


def test_an_empty_return_parcel_is_received_as_zero_units():
    def receipt(n, qty, condition):
        return {"receipt_id": f"RC{n}", "warehouse": "W", "sku": "S", "qty": qty,
                "condition": condition, "received_at": datetime(2026, 10, 3)}

    rows = [receipt(1, 0, "empty"), receipt(2, 0, "sellable"), receipt(3, -1, "empty")]
    expected = "expected a quantity above 0 (0 only for condition empty)"
    assert problems_of("return_receipts", rows) == [
        (3, "qty", f"{expected}, got 0"), (4, "qty", f"{expected}, got -1")]


def test_only_a_stock_adjustment_may_move_a_negative_quantity():
    def movement(n, kind, qty):
        return {"movement_id": f"M{n}", "warehouse": "W", "sku": "S", "movement_type": kind,
                "qty": qty, "posted_at": datetime(2026, 10, 3)}

    rows = [movement(1, "adjustment", -3), movement(2, "outbound", -2),
            movement(3, "adjustment", 0), movement(4, "inbound", 5)]
    expected = "expected a quantity above 0 (below 0 only for movement_type adjustment)"
    assert problems_of("inventory_movements", rows) == [
        (3, "qty", f"{expected}, got -2"), (4, "qty", f"{expected}, got 0")]


def test_stock_on_hand_may_be_negative():
    """A WMS that lets stock go below zero (sold before it was booked in) reports it so."""
    snapshot = {"snapshot_date": datetime(2026, 10, 31).date(), "warehouse": "W", "sku": "S",
                "on_hand": -2}
    assert problems_of("inventory_snapshots", [snapshot]) == []


def test_a_line_amount_is_quantity_times_unit_price_to_the_rounding_of_the_price():
    rows = [
        line(1, 2, "617.28", "1234.56"),
        line(2, 3, "33.33", "100.00"),  # 100.00 / 3 printed to the cent: 0.01 off
        line(3, 1, "33.33", "33.34"),   # a cent, at least
        line(4, 1, "33.33", "33.35"),
        line(5, 1, "88.00", "80.00"),   # a discounted line
        line(6, 2, None, "50.00"),      # no unit price: nothing to compare
    ]
    assert problems_of("order_lines", rows) == [
        (5, "line_amount", "expected qty x unit_price = 1 x 33.33 = 33.33 (give or take 0.01), "
                           "got 33.35"),
        (6, "line_amount", "expected qty x unit_price = 1 x 88.00 = 88.00 (give or take 0.01), "
                           "got 80.00"),
    ]


def test_a_whole_export_the_wrong_way_round_is_a_few_rows_and_a_count():
    rows = [line(n, -1, amount="-10.00") for n in range(1, 9)]
    problems = check_tables({"order_lines": frame("order_lines", rows, "lines.csv")})
    assert [p.row for p in problems] == [2, 3, 4, 5, 6, None]
    assert problems[-1] == Problem(
        "lines.csv", "8 rows of the file have qty of 0 or below, expected a quantity above 0; the "
                     "first 5 are listed: a sign or column mapped the wrong way?", None, "qty")
