"""Data contracts: not null, accepted values, unique keys and references, on plain frames."""

from __future__ import annotations

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


def order(order_id, **extra) -> dict:
    return {"order_id": order_id, "channel": "tmall", "status": "paid",
            "created_at": pd.Timestamp("2026-10-01").to_pydatetime(), "currency": "CNY",
            "paid_amount": Decimal("1.00"), **extra}


def test_clean_tables_have_no_problems():
    orders = frame("orders", [order("A1"), order("A2")])
    lines = frame("order_lines", [{"order_id": "A1", "line_no": 1, "sku": "S", "qty": 1}])
    assert check_tables({"orders": orders, "order_lines": lines}) == []


def test_required_columns_must_not_be_null():
    orders = frame("orders", [order("A1"), order("A2", paid_amount=None, currency=None)])
    assert check_tables({"orders": orders}) == [
        Problem("f.csv", "currency is required but empty", 3, "currency"),
        Problem("f.csv", "paid_amount is required but empty", 3, "paid_amount"),
    ]


def test_accepted_values():
    orders = frame("orders", [order("A1", channel="pdd"), order("A2", status="paid")])
    assert check_tables({"orders": orders}) == [Problem(
        "f.csv", "channel 'pdd' is not accepted; one of: tmall, jd, douyin, shop, alipay, "
                 "wechat, meituan, amazon, shopify, paypal, stripe", 2, "channel")]


def test_every_duplicate_names_the_first_occurrence():
    orders = frame("orders", [order("A1"), order("A2"), order("A1"), order("A1")])
    problems = check_tables({"orders": orders})
    assert [(p.row, p.column) for p in problems] == [(4, "order_id"), (5, "order_id")]
    assert all(p.message == "duplicate key order_id=A1: first seen in f.csv row 2"
               for p in problems)


def test_duplicates_across_files_and_composite_keys():
    lines = pd.concat([
        frame("order_lines", [{"order_id": "A1", "line_no": 1, "sku": "S", "qty": 1},
                              {"order_id": "A1", "line_no": 2, "sku": "S", "qty": 1}], "a.csv"),
        frame("order_lines", [{"order_id": "A1", "line_no": 2, "sku": "T", "qty": 1}], "b.csv"),
    ], ignore_index=True)
    [problem] = check_tables({"order_lines": lines})
    assert (problem.file, problem.row, problem.column) == ("b.csv", 2, "order_id, line_no")
    assert problem.message == "duplicate key order_id=A1, line_no=2: first seen in a.csv row 3"


def test_null_keys_are_not_duplicates():
    orders = frame("orders", [order(None), order(None)])
    problems = check_tables({"orders": orders})
    assert {p.message for p in problems} == {"order_id is required but empty"}


def test_references_must_exist():
    orders = frame("orders", [order("A1")])
    lines = frame("order_lines", [{"order_id": "A1", "line_no": 1, "sku": "S", "qty": 1},
                                  {"order_id": "ZZ", "line_no": 1, "sku": "S", "qty": 1}])
    assert check_tables({"orders": orders, "order_lines": lines}) == [Problem(
        "f.csv", "order_id 'ZZ' is not in orders (no row of orders has it)", 3, "order_id")]


def test_references_are_skipped_without_the_referenced_frame():
    lines = frame("order_lines", [{"order_id": "ZZ", "line_no": 1, "sku": "S", "qty": 1}])
    assert check_tables({"order_lines": lines}) == []
    orders = frame("orders", [order("A1")])
    assert check_tables({"orders": orders, "order_lines": lines},
                        skip_references_to={"orders"}) == []


def test_many_rows_stay_fast():
    n = 50_000
    orders = pd.DataFrame({
        **{c: [None] * n for c in schema.TABLES["orders"].column_names},
        "order_id": [f"A{i}" for i in range(n)], "channel": ["jd"] * n, "status": ["paid"] * n,
        "created_at": [pd.Timestamp("2026-10-01")] * n, "currency": ["CNY"] * n,
        "paid_amount": [Decimal("1.00")] * n, "source_file": ["f.csv"] * n,
        "source_row": list(range(2, n + 2)),
    }, dtype=object)
    orders.loc[n - 1, "order_id"] = "A0"
    problems = check_tables({"orders": orders})
    assert [(p.row, p.message) for p in problems] == [
        (n + 1, "duplicate key order_id=A0: first seen in f.csv row 2")]
