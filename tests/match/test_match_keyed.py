"""Keyed matching run end to end on small DuckDB fixtures.

Most tests go through ``run_checked``: the spec runs once keeping the matched rows (the rows the
test reads) and once as in production (matched rows only counted), and the two must agree.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from recon_lib.errors import InputError, QueryError
from recon_lib.match import (
    STATES,
    Compare,
    DateWindow,
    MatchResult,
    MatchSpec,
    Side,
    Tolerance,
    run_match,
)
from tests.match.helpers import (
    assert_each_id_once,
    by_key,
    create,
    one,
    results,
    run_checked,
    stats,
)

T0 = datetime(2026, 10, 1, 10, 0)

LINES = Side("v_lines", ("order_id", "sku"),
             ("line_id", "order_id", "sku", "qty", "amount", "paid_at"), "line_id", "order line")
SHIPS = Side("v_ships", ("order_id", "sku"),
             ("ship_id", "order_id", "sku", "qty", "ship_time"), "ship_id", "shipment line")
QTY = Compare("qty", reason_over="SHIP_OVER", reason_under="SHIP_PARTIAL")


def shipping(**overrides) -> MatchSpec:
    base = dict(name="shipping", left=LINES, right=SHIPS, compare=(QTY,),
                reason_missing_left="SHIP_UNKNOWN_ORDER", reason_missing_right="SHIP_UNSHIPPED",
                amount="amount")
    return MatchSpec(**{**base, **overrides})


def lines(db, *rows):
    """rows: (line_id, order_id, sku, qty, amount, paid_at)"""
    create(db, "v_lines", "line_id, order_id, sku, qty, amount, paid_at", list(rows))


def ships(db, *rows):
    """rows: (ship_id, order_id, sku, qty, ship_time)"""
    create(db, "v_ships", "ship_id, order_id, sku, qty, ship_time", list(rows))


# -- a two-column fixture for tolerance edges ---------------------------------------------------------
A = Side("v_a", ("k",), ("id", "k", "amount"), "id", "ledger")
B = Side("v_b", ("k",), ("id", "k", "amount"), "id", "bank")


def amounts(db, pairs, tol: Tolerance, **kw) -> dict[str, dict]:
    """One key per (left, right) pair of amounts; returns the result rows by key."""
    create(db, "v_a", "id, k, amount", [(f"a{i}", f"K{i}", D(a)) for i, (a, _) in enumerate(pairs)])
    create(db, "v_b", "id, k, amount", [(f"b{i}", f"K{i}", D(b)) for i, (_, b) in enumerate(pairs)])
    spec = MatchSpec("amounts", A, B, compare=(Compare("amount", reason_over="SHIP_OVER",
                                                       reason_under="SHIP_PARTIAL"),),
                     default_tolerance=tol, **kw)
    run_checked(db, spec, "r1")
    return by_key(results(db))


def test_absolute_tolerance_is_inclusive_at_the_bound(db):
    rows = amounts(db, [("100.00", "100.00"), ("100.00", "100.50"), ("100.00", "99.50"),
                        ("100.00", "100.51"), ("100.00", "99.49")], Tolerance(abs=D("0.50")))
    assert rows["K0"]["state"] == "matched"
    assert rows["K1"]["state"] == "matched_tolerance" and rows["K1"]["reason_code"] is None
    assert rows["K2"]["state"] == "matched_tolerance"
    assert (rows["K3"]["state"], rows["K3"]["reason_code"]) == ("mismatched", "SHIP_OVER")
    assert (rows["K4"]["state"], rows["K4"]["reason_code"]) == ("mismatched", "SHIP_PARTIAL")
    assert rows["K3"]["details"]["checks"][0]["difference"] == D("0.51")
    assert rows["K4"]["details"]["checks"][0]["difference"] == D("-0.51")
    assert rows["K1"]["explanation"] == (
        "amount within tolerance: ledger 100.00, bank 100.50 (difference 0.50, tolerance 0.5)")


def test_relative_tolerance_is_measured_on_the_right_value(db):
    # tolerance = 5% of |right|
    rows = amounts(db, [("190.00", "200.00"), ("189.99", "200.00"), ("210.00", "200.00"),
                        ("210.01", "200.00"), ("0.00", "0.00")], Tolerance(rel=0.05))
    assert rows["K0"]["state"] == "matched_tolerance"  # |d| = 10 = 5% of 200
    assert rows["K1"]["state"] == "mismatched"  # 10.01
    assert rows["K2"]["state"] == "matched_tolerance"  # -10, 5% of the right (200), not the left
    assert rows["K3"]["state"] == "mismatched"
    assert rows["K4"]["state"] == "matched"
    assert rows["K0"]["details"]["checks"][0]["tolerance"] == D("10")
    assert rows["K1"]["explanation"].endswith("(difference 10.01, tolerance 5% of 200.00)")


def test_absolute_and_relative_tolerances_add_up(db):
    rows = amounts(db, [("189.99", "200.00"), ("189.98", "200.00")],
                   Tolerance(abs=D("0.01"), rel=D("0.05")))
    assert rows["K0"]["state"] == "matched_tolerance"  # 10.01 = 0.01 + 10
    assert rows["K1"]["state"] == "mismatched"


def test_a_compare_tolerance_overrides_the_default(db):
    create(db, "v_a", "id, k, amount", [("a0", "K0", D("10.00"))])
    create(db, "v_b", "id, k, amount", [("b0", "K0", D("10.40"))])
    loose = Compare("amount", tolerance=Tolerance(abs=D("0.5")))
    spec = MatchSpec("amounts", A, B, compare=(loose,), default_tolerance=Tolerance())
    run_checked(db, spec, "r1")
    assert results(db)[0]["state"] == "matched_tolerance"


def test_reason_falls_back_and_may_be_absent(db):
    create(db, "v_a", "id, k, amount", [("a0", "K0", D("1")), ("a1", "K1", D("1"))])
    create(db, "v_b", "id, k, amount", [("b0", "K0", D("2")), ("b1", "K1", D("0"))])
    spec = MatchSpec("amounts", A, B, compare=(Compare("amount", reason_over="SHIP_OVER",
                                                       reason="SHIP_WRONG_SKU"),))
    run_checked(db, spec, "r1")
    rows = by_key(results(db))
    assert rows["K0"]["reason_code"] == "SHIP_OVER"
    assert rows["K1"]["reason_code"] == "SHIP_WRONG_SKU"  # no reason_under: the fallback
    plain = MatchSpec("plain", A, B, compare=(Compare("amount"),))
    result = run_checked(db, plain, "r2")
    assert result.counts["mismatched"] == 2 and result.by_reason == {}


def test_mismatch_explanation_details_and_values(db):
    lines(db, ("L1", "O123", "A-1", 3, D("30.00"), T0))
    ships(db, ("S1", "O123", "A-1", 2, T0))
    run_checked(db, shipping(), "r1")
    row = one(results(db))
    assert row["state"] == "mismatched" and row["reason_code"] == "SHIP_PARTIAL"
    assert row["explanation"] == (
        "qty differs: order line 3, shipment line 2 (difference -1, tolerance 0)"
    )
    check = row["details"]["checks"][0]
    assert check == {"field": "qty", "kind": "number", "left": 3, "right": 2, "difference": -1,
                     "tolerance": 0, "status": "under", "reason": "SHIP_PARTIAL"}
    assert row["details"]["rule"] == "compare[0]"
    assert row["left_values"] == {"_rows": 1, "qty": 3, "amount": D("30.00")}
    assert row["right_values"] == {"_rows": 1, "qty": 2}
    assert row["amount"] == D("30.00")
    assert (row["key"], row["left_ids"], row["right_ids"]) == ("O123|A-1", ["L1"], ["S1"])


def test_first_failing_check_gives_the_reason_and_all_are_recorded(db):
    create(db, "v_a", "id, k, amount, sku", [("a0", "K0", D("5"), "X")])
    create(db, "v_b", "id, k, amount, sku", [("b0", "K0", D("4"), "Y")])
    left = Side("v_a", ("k",), ("id", "k", "amount", "sku"), "id")
    right = Side("v_b", ("k",), ("id", "k", "amount", "sku"), "id")
    spec = MatchSpec("two", left, right, compare=(
        Compare("sku", kind="text", reason="SHIP_WRONG_SKU"),
        Compare("amount", reason="SHIP_PARTIAL")))
    run_checked(db, spec, "r1")
    row = one(results(db))
    assert row["reason_code"] == "SHIP_WRONG_SKU"
    assert [c["status"] for c in row["details"]["checks"]] == ["different", "under"]
    assert row["explanation"] == ("sku differs: v_a X, v_b Y; "
                                  "amount differs: v_a 5.00, v_b 4.00 (difference -1.00, tolerance 0)")


def test_date_window_edges(db):
    window = DateWindow("paid_at", "ship_time", before=timedelta(hours=1),
                        after=timedelta(days=2), reason="SHIP_LATE")
    lines(db, *[(f"L{i}", f"O{i}", "A", 1, D("1"), T0) for i in range(6)])
    ships(db,
          ("S0", "O0", "A", 1, T0 + timedelta(days=2)),  # at the after bound
          ("S1", "O1", "A", 1, T0 + timedelta(days=2, seconds=1)),  # just beyond
          ("S2", "O2", "A", 1, T0 - timedelta(hours=1)),  # at the before bound
          ("S3", "O3", "A", 1, T0 - timedelta(hours=1, seconds=1)),  # just before it
          ("S4", "O4", "A", 1, None),  # no date
          ("S5", "O5", "A", 1, T0))
    run_checked(db, shipping(window=window), "r1")
    rows = by_key(results(db))
    assert rows["O0|A"]["state"] == "matched" and rows["O2|A"]["state"] == "matched"
    assert rows["O5|A"]["state"] == "matched"
    for key, status in (("O1|A", "late"), ("O3|A", "early"), ("O4|A", "missing_value")):
        assert (rows[key]["state"], rows[key]["reason_code"]) == ("mismatched", "SHIP_LATE")
        assert rows[key]["details"]["window"]["status"] == status
        assert rows[key]["details"]["rule"] == "window"
    assert rows["O1|A"]["details"]["window"]["difference_seconds"] == 2 * 86400 + 1
    assert rows["O1|A"]["explanation"] == (
        "outside the date window: order line paid_at 2026-10-01 10:00:00, shipment line "
        "ship_time 2026-10-03 10:00:01 (difference 2 days 00:00:01, allowed from 01:00:00 "
        "before to 2 days after)")
    assert rows["O4|A"]["explanation"] == (
        "date window cannot be checked: shipment line ship_time is empty")


def test_date_comparison_with_a_duration_tolerance(db):
    create(db, "v_a", "id, k, due", [("a0", "K0", T0), ("a1", "K1", T0), ("a2", "K2", T0)])
    create(db, "v_b", "id, k, done", [("b0", "K0", T0 + timedelta(days=1)),
                                      ("b1", "K1", T0 + timedelta(days=1, seconds=1)),
                                      ("b2", "K2", T0 - timedelta(days=1, seconds=1))])
    spec = MatchSpec(
        "dates", Side("v_a", ("k",), ("id", "k", "due"), "id"),
        Side("v_b", ("k",), ("id", "k", "done"), "id"),
        compare=(Compare("due", "done", kind="date", tolerance=Tolerance(abs=timedelta(days=1)),
                         reason_over="SHIP_LATE"),))
    run_checked(db, spec, "r1")
    rows = by_key(results(db))
    assert rows["K0"]["state"] == "matched_tolerance"
    assert (rows["K1"]["state"], rows["K1"]["reason_code"]) == ("mismatched", "SHIP_LATE")
    assert rows["K1"]["details"]["checks"][0]["difference_seconds"] == 86401
    assert (rows["K2"]["state"], rows["K2"]["reason_code"]) == ("mismatched", None)
    assert rows["K1"]["explanation"].startswith("due/done differs: v_a 2026-10-01 10:00:00, ")
    assert rows["K1"]["explanation"].endswith("(difference 1 day 00:00:01, tolerance 1 day)")


def test_text_comparison_after_normalisation(db):
    create(db, "v_a", "id, k, sku", [("a0", "O1", "a-1 "), ("a1", "O2", "A-1"), ("a2", "O3", None)])
    create(db, "v_b", "id, k, sku", [("b0", "O1", "A-1"), ("b1", "O2", "A-2"), ("b2", "O3", "B")])
    spec = MatchSpec("sku", Side("v_a", ("k",), ("id", "k", "sku"), "id", "ordered"),
                     Side("v_b", ("k",), ("id", "k", "sku"), "id", "shipped"),
                     compare=(Compare("sku", kind="text", reason="SHIP_WRONG_SKU"),),
                     normalize=("trim", "upper"))
    run_checked(db, spec, "r1")
    rows = by_key(results(db))
    assert rows["O1"]["state"] == "matched"
    assert (rows["O2"]["state"], rows["O2"]["reason_code"]) == ("mismatched", "SHIP_WRONG_SKU")
    assert rows["O2"]["explanation"] == "sku differs: ordered A-1, shipped A-2"
    assert rows["O3"]["explanation"] == "sku has no value on the ordered side"


def test_composite_keys_pair_only_when_every_part_agrees(db):
    lines(db, ("L1", "O1", "A", 1, D("1"), T0), ("L2", "O1", "B", 1, D("1"), T0))
    ships(db, ("S1", "O1", "A", 1, T0), ("S2", "O2", "B", 1, T0))
    run_checked(db, shipping(), "r1")
    rows = by_key(results(db))
    assert rows["O1|A"]["state"] == "matched"
    assert (rows["O1|B"]["state"], rows["O1|B"]["reason_code"]) == ("missing_right",
                                                                    "SHIP_UNSHIPPED")
    assert (rows["O2|B"]["state"], rows["O2|B"]["reason_code"]) == ("missing_left",
                                                                    "SHIP_UNKNOWN_ORDER")
    assert rows["O1|B"]["explanation"] == "no shipment line for order_id O1, sku B"
    assert rows["O2|B"]["explanation"] == "no order line for order_id O2, sku B"
    assert rows["O1|B"]["amount"] == D("1.00") and rows["O2|B"]["amount"] is None


@pytest.mark.parametrize(
    ("step", "left_key", "right_key", "key"),
    [
        ("trim", " O1\t", "O1", "O1"),
        ("upper", "o1", "O1", "O1"),
        ("fullwidth", "\uff2f\uff11", "O1", "O1"),
        ("leading_zeros", "000123", "123", "123"),
    ],
)
def test_each_normalisation_step(db, step, left_key, right_key, key):
    lines(db, ("L1", left_key, "A", 1, D("1"), T0))
    ships(db, ("S1", right_key, "A", 1, T0))
    with_step = run_checked(db, shipping(normalize=(step,)), "with")
    assert with_step.counts["matched"] == 1
    assert one(results(db, "with"))["key"] == f"{key}|A"
    without = run_checked(db, shipping(normalize=()), "without")
    assert without.counts["matched"] == 0
    assert (without.counts["missing_left"], without.counts["missing_right"]) == (1, 1)


def test_null_and_empty_keys_are_never_matched(db):
    lines(db, ("L1", None, "A", 1, D("1"), T0), ("L2", "", "A", 1, D("1"), T0),
          ("L3", "  ", "A", 1, D("1"), T0), ("L4", "O4", None, 1, D("1"), T0))
    ships(db, ("S1", None, "A", 1, T0), ("S2", "O4", None, 1, T0))
    result = run_checked(db, shipping(), "r1")
    assert result.counts["matched"] == 0 and result.counts["duplicate"] == 0
    assert (result.counts["missing_right"], result.counts["missing_left"]) == (4, 2)
    rows = results(db)
    assert all(r["key"] is None and r["details"]["rule"] == "empty_key" for r in rows)
    assert one(rows, left_ids=["L1"])["explanation"] == (
        "order line L1 has an empty key (order_id); it cannot be matched")
    assert one(rows, left_ids=["L4"])["explanation"] == (
        "order line L4 has an empty key (sku); it cannot be matched")
    assert one(rows, right_ids=["S1"])["reason_code"] == "SHIP_UNKNOWN_ORDER"


def test_duplicates_on_each_side_one_to_one(db):
    lines(db, ("L2", "O1", "A", 1, D("1"), T0), ("L1", "O1", "A", 1, D("1"), T0),
          ("L3", "O2", "A", 1, D("1"), T0))
    ships(db, ("S9", "O2", "A", 1, T0), ("S7", "O2", "A", 1, T0), ("S8", "O2", "A", 1, T0),
          ("S1", "O1", "A", 1, T0))
    spec = shipping(reason_duplicate_left="SHIP_UNSHIPPED", reason_duplicate_right="SHIP_OVER")
    result = run_checked(db, spec, "r1")
    assert result.counts["matched"] == 2 and result.counts["duplicate"] == 3
    rows = results(db)
    # the first copy by id pairs; the others are duplicates on their side
    assert one(rows, key="O1|A", state="matched")["left_ids"] == ["L1"]
    assert one(rows, key="O2|A", state="matched")["right_ids"] == ["S7"]
    dup_left = one(rows, left_ids=["L2"])
    assert (dup_left["state"], dup_left["reason_code"]) == ("duplicate", "SHIP_UNSHIPPED")
    assert dup_left["explanation"] == (
        "key O1|A appears 2 times on the left (order line); this is copy 2")
    s8, s9 = one(rows, right_ids=["S8"]), one(rows, right_ids=["S9"])
    assert (s8["reason_code"], s9["reason_code"]) == ("SHIP_OVER", "SHIP_OVER")
    assert (s8["details"]["copy"], s9["details"]["copy"], s9["details"]["copies"]) == (2, 3, 3)
    assert s9["explanation"].endswith("appears 3 times on the right (shipment line); this is copy 3")


def test_duplicate_handling_is_deterministic(db):
    rows_l = [("L2", "O1", "A", 1, D("1"), T0), ("L1", "O1", "A", 2, D("1"), T0),
              ("L3", "O1", "A", 3, D("1"), T0)]
    rows_s = [("S2", "O1", "A", 2, T0), ("S1", "O1", "A", 3, T0)]
    lines(db, *rows_l)
    ships(db, *rows_s)
    run_checked(db, shipping(), "r1")
    first = results(db, "r1")
    run_checked(db, shipping(), "r1")
    assert results(db, "r1") == first
    lines(db, *reversed(rows_l))  # same rows, another physical order
    ships(db, *reversed(rows_s))
    run_checked(db, shipping(), "r2")
    strip = [{k: v for k, v in r.items() if k != "run_id"} for r in results(db, "r2")]
    assert strip == [{k: v for k, v in r.items() if k != "run_id"} for r in first]
    paired = one(first, state="mismatched")
    assert (paired["left_ids"], paired["right_ids"]) == (["L1"], ["S1"])  # 2 vs 3


def test_one_to_many_sums_the_parcels(db):
    lines(db, ("L1", "O1", "A", 3, D("30"), T0), ("L2", "O2", "A", 3, D("30"), T0))
    ships(db, ("S2", "O1", "A", 1, T0), ("S1", "O1", "A", 2, T0),
          ("S3", "O2", "A", 1, T0), ("S4", "O2", "A", 1, T0))
    result = run_checked(db, shipping(cardinality="one_to_many"), "r1")
    assert result.counts["matched"] == 1 and result.counts["mismatched"] == 1
    rows = by_key(results(db))
    assert rows["O1|A"]["right_ids"] == ["S1", "S2"] and rows["O1|A"]["state"] == "matched"
    o2 = rows["O2|A"]
    assert (o2["reason_code"], o2["details"]["checks"][0]["difference"]) == ("SHIP_PARTIAL", -1)
    assert o2["explanation"] == (
        "qty differs: order line 3, shipment line 2 (sum of 2 rows) (difference -1, tolerance 0)")
    assert o2["right_values"]["_rows"] == 2


def test_many_to_one_sums_the_left_side(db):
    parcels = Side("v_ships", ("order_id",), ("ship_id", "order_id", "qty", "ship_time"),
                   "ship_id", "parcel")
    orders = Side("v_orders", ("order_id",), ("order_id", "qty"), "order_id", "order")
    create(db, "v_ships", "ship_id, order_id, qty, ship_time",
           [("S1", "O1", 2, T0), ("S2", "O1", 1, T0 + timedelta(hours=5)),
            ("S3", "O2", 1, T0), ("S4", "O2", 1, T0), ("S5", None, 4, T0)])
    create(db, "v_orders", "order_id, qty", [("O1", 3), ("O2", 3), ("O1", 9)])
    spec = MatchSpec("parcels", parcels, orders, cardinality="many_to_one",
                     compare=(Compare("qty", reason_over="SHIP_PARTIAL"),),
                     reason_duplicate_right="SHIP_OVER", reason_missing_right="SHIP_UNKNOWN_ORDER")
    result = run_checked(db, spec, "r1")
    rows = results(db)
    o1 = one(rows, key="O1", state="matched")
    assert o1["left_ids"] == ["S1", "S2"] and o1["left_values"]["qty"] == 3
    o2 = one(rows, key="O2")
    assert (o2["state"], o2["reason_code"]) == ("mismatched", "SHIP_PARTIAL")
    assert o2["details"]["checks"][0]["difference"] == 1  # ordered 3 - shipped 2
    assert one(rows, state="duplicate")["reason_code"] == "SHIP_OVER"  # second O1 order
    assert one(rows, left_ids=["S5"])["state"] == "missing_right"  # empty key stays single
    assert result.total == 4
    assert_each_id_once(db, rows, "v_ships", "ship_id", "v_orders", "order_id")


def test_every_record_ends_in_exactly_one_state(db):
    lines(db, ("L1", "O1", "A", 3, D("30"), T0), ("L2", "O1", "A", 3, D("30"), T0),
          ("L3", "O2", "A", 1, D("10"), T0), ("L4", None, "A", 1, D("10"), T0),
          ("L5", "O5", "B", 2, D("20"), T0), ("L6", "o6 ", "C", 4, D("40"), T0))
    ships(db, ("S1", "O1", "A", 1, T0), ("S2", "O1", "A", 2, T0), ("S3", "O9", "A", 1, T0),
          ("S4", None, None, 1, T0), ("S5", "O5", "B", 3, T0), ("S6", "O6", "C", 4, T0),
          ("S7", "O2", "A", 1, T0 + timedelta(days=9)))
    window = DateWindow("paid_at", "ship_time", after=timedelta(days=2), reason="SHIP_LATE")
    for cardinality in ("one_to_one", "one_to_many", "many_to_one"):
        spec = shipping(cardinality=cardinality, window=window, normalize=("trim", "upper"))
        result = run_checked(db, spec, cardinality)
        rows = results(db, cardinality)
        assert_each_id_once(db, rows, "v_lines", "line_id", "v_ships", "ship_id")
        assert result.total == len(rows) and set(result.counts) == set(STATES)
        assert {r["state"] for r in rows} <= set(STATES) - {"unresolved"}
    assert one(results(db, "one_to_many"), key="O1|A", state="matched")["right_ids"] == ["S1", "S2"]


def test_rerun_replaces_the_run_of_that_spec_only(db):
    lines(db, ("L1", "O1", "A", 1, D("1"), T0))
    ships(db, ("S1", "O1", "A", 2, T0))
    run_match(db, shipping(), "r1")
    run_match(db, shipping(name="other"), "r1")
    assert db.scalar("SELECT state FROM match_results WHERE spec = 'shipping'") == "mismatched"
    ships(db, ("S1", "O1", "A", 1, T0))
    result = run_match(db, shipping(), "r1")
    assert result.counts["matched"] == 1 and result.total == 1
    # the old mismatched row is gone; the matched pair is only counted
    assert db.scalar("SELECT COUNT(*) FROM match_results WHERE spec = 'shipping'") == 0
    assert db.scalar("SELECT state FROM match_results WHERE spec = 'other'") == "mismatched"
    assert stats(db, "r1", "shipping") == [("matched", None, 1, D("1.00"))]


def test_a_failed_run_leaves_the_previous_one_intact(db):
    lines(db, ("L1", "O1", "A", 1, D("1"), T0), ("L2", "O2", "A", 1, D("2"), T0))
    ships(db, ("S1", "O1", "A", 1, T0), ("S2", "O2", "A", 3, T0))
    run_match(db, shipping(), "r1")
    before = (results(db), stats(db, "r1", "shipping"))
    create(db, "v_lines", "line_id, order_id, sku, qty, amount, paid_at",
           [("L1", "O1", "A", 1, "not money", T0)])
    with pytest.raises(QueryError, match="match shipping"):
        run_match(db, shipping(), "r1")
    assert [r["state"] for r in before[0]] == ["mismatched"]
    assert (results(db), stats(db, "r1", "shipping")) == before
    assert db.scalar("SELECT SUM(n) FROM match_stats") == 2
    assert db.scalar("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'match_units'") == 0


def test_columns_missing_from_the_relation_are_reported_together(db):
    create(db, "v_lines", "line_id, order_id, sku", [("L1", "O1", "A")])
    ships(db, ("S1", "O1", "A", 1, T0))
    with pytest.raises(InputError) as err:
        run_match(db, shipping(), "r1")
    text = str(err.value)
    assert "v_lines" in text and "'qty'" in text and "'amount'" in text and "'paid_at'" in text


def test_run_id_must_be_given(db):
    with pytest.raises(ValueError, match="run_id"):
        run_match(db, shipping(), "")


def test_result_object_stats_and_rows(db):
    lines(db, ("L1", "O1", "A", 3, D("30.00"), T0), ("L2", "O2", "A", 1, D("12.50"), T0),
          ("L3", "O3", "A", 1, D("7.25"), T0), ("L4", "O4", "A", 1, D("1.00"), T0))
    ships(db, ("S1", "O1", "A", 2, T0), ("S4", "O4", "A", 1, T0))
    result = run_match(db, shipping(), "r1")
    assert isinstance(result, MatchResult)
    assert result.counts == {"matched": 1, "matched_tolerance": 0, "mismatched": 1,
                             "missing_left": 0, "missing_right": 2, "duplicate": 0,
                             "unresolved": 0}
    assert result.by_reason == {"SHIP_PARTIAL": 1, "SHIP_UNSHIPPED": 2}
    assert result.amount_by_reason == {"SHIP_PARTIAL": D("30.00"), "SHIP_UNSHIPPED": D("19.75")}
    assert (result.exceptions, result.ok) == (3, False)
    summary = json.loads(json.dumps(result.to_dict()))
    assert summary["amount_by_reason"]["SHIP_UNSHIPPED"] == "19.75"
    assert summary["parameters"]["compare"][0]["reason_under"] == "SHIP_PARTIAL"
    stored = json.loads(db.scalar("SELECT ANY_VALUE(parameters) FROM match_stats"))
    assert MatchSpec.from_dict(stored) == shipping()
    frame = result.rows(db)
    assert sorted(frame["state"]) == ["mismatched", "missing_right", "missing_right"]
    assert result.rows(db, states=["matched"]).empty  # counted, not stored
    assert stats(db, "r1", "shipping")[0] == ("matched", None, 1, D("1.00"))
    kept = run_match(db, shipping(), "r1", keep_matched=True)
    assert kept == result
    assert list(kept.rows(db, states=["matched"])["key"]) == ["O4|A"]
    with pytest.raises(ValueError, match="states"):
        result.rows(db, states=["broken"])


def test_spec_without_comparisons_pairs_on_keys(db):
    lines(db, ("L1", "O1", "A", 3, D("30"), T0))
    ships(db, ("S1", "O1", "A", 1, T0))
    run_checked(db, shipping(compare=()), "r1")
    row = one(results(db))
    assert (row["state"], row["explanation"]) == ("matched", "found on both sides")


# -- what is stored ------------------------------------------------------------------------------
def test_matched_records_are_counted_not_stored(db):
    lines(db, ("L1", "O1", "A", 3, D("30.00"), T0), ("L2", "O2", "A", 1, D("12.50"), T0),
          ("L3", "O3", "B", 2, D("7.25"), T0))
    ships(db, ("S1", "O1", "A", 1, T0), ("S2", "O1", "A", 2, T0), ("S3", "O2", "A", 1, T0),
          ("S4", "O3", "B", 1, T0))
    result = run_match(db, shipping(cardinality="one_to_many"), "r1")
    assert (result.counts["matched"], result.counts["mismatched"], result.total) == (2, 1, 3)
    rows = results(db)
    assert [(r["state"], r["key"]) for r in rows] == [("mismatched", "O3|B")]
    assert stats(db, "r1", "shipping") == [
        ("matched", None, 2, D("42.50")),
        ("mismatched", "SHIP_PARTIAL", 1, D("7.25")),
    ]


def test_matched_records_are_those_in_no_stored_row(db):
    """The recipe of docs/matching.md: every input id is in exactly one stored row, or matched."""
    lines(db, ("L1", "O1", "A", 3, D("30"), T0), ("L2", "O1", "A", 3, D("30"), T0),
          ("L3", "O2", "A", 1, D("10"), T0), ("L4", None, "A", 1, D("10"), T0),
          ("L5", "O5", "B", 2, D("20"), T0), ("L6", "O6", "C", 4, D("40"), T0))
    ships(db, ("S1", "O1", "A", 1, T0), ("S2", "O1", "A", 2, T0), ("S3", "O9", "A", 1, T0),
          ("S4", None, None, 1, T0), ("S5", "O5", "B", 3, T0), ("S6", "O6", "C", 4, T0))
    spec = shipping(cardinality="one_to_many")
    result = run_match(db, spec, "r1")
    matched_lines = db.execute(
        "SELECT line_id FROM v_lines WHERE line_id NOT IN ("
        "  SELECT unnest(left_ids) FROM match_results WHERE run_id = 'r1' AND spec = 'shipping'"
        "  AND left_ids IS NOT NULL) ORDER BY line_id").fetchall()
    assert matched_lines == [("L1",), ("L6",)]
    assert result.counts["matched"] == 2
    run_match(db, spec, "r2", keep_matched=True)
    kept = [r for r in results(db, "r2") if r["state"] == "matched"]
    assert sorted(i for r in kept for i in r["left_ids"]) == ["L1", "L6"]
    stored_ids = [i for r in results(db, "r1") for i in (r["left_ids"] or [])]
    assert sorted(stored_ids + ["L1", "L6"]) == [f"L{i}" for i in range(1, 7)]


@pytest.mark.parametrize("cardinality", ["one_to_one", "one_to_many", "many_to_one"])
def test_duplicates_and_empty_keys_on_both_sides_store_the_same_rows_either_way(db, cardinality):
    """Copies of a key and empty keys on both sides (ids repeated too): the default run stores
    exactly the non-matched rows of the run that keeps everything, and every id once."""
    lines(db, ("L1", "O1", "A", 1, D("1"), T0), ("L1", "O1", "A", 1, D("1"), T0),
          ("L3", "O1", "A", 2, D("2"), T0), ("L4", None, "A", 1, D("1"), T0),
          ("L5", None, "A", 1, D("1"), T0), ("L6", " ", None, 1, D("1"), T0),
          ("L7", "O2", "A", 1, D("1"), T0), ("L8", "O3", "A", 1, D("1"), T0))
    ships(db, ("S1", "O1", "A", 1, T0), ("S2", "o1", "A", 1, T0), ("S3", None, "A", 1, T0),
          ("S3", None, "A", 1, T0), ("S5", "", "A", 2, T0), ("S6", "O2", "A", 1, T0),
          ("S7", "O2 ", "A", 1, T0), ("S8", "O3", "A", 1, T0), ("S9", "O4", "A", 1, T0))
    spec = shipping(cardinality=cardinality, normalize=("trim", "upper"),
                    reason_duplicate_left="SHIP_OVER", reason_duplicate_right="SHIP_OVER")
    result = run_checked(db, spec, "r1")
    rows = results(db)
    assert_each_id_once(db, rows, "v_lines", "line_id", "v_ships", "ship_id")
    assert result.total == len(rows)
    assert result.counts["duplicate"] > 0 and result.counts["matched"] > 0
    assert sum(1 for r in rows if r["details"]["rule"] == "empty_key") == 6


@pytest.mark.parametrize(("cardinality", "expected"), [
    ("one_to_one", {"matched": 2, "duplicate": 2}),
    ("one_to_many", {"matched": 1, "duplicate": 1, "mismatched": 1}),
    ("many_to_one", {"matched": 1, "duplicate": 1, "mismatched": 1}),
])
def test_without_normalisation_an_empty_text_key_is_still_empty(db, cardinality, expected):
    """Keys read as they are (no normalisation): '' and NULL parts are empty keys, and copies of
    a key are still ranked: the quick pass leaves them to the full pass."""
    lines(db, ("L2", "O1", "A", 1, D("1"), T0), ("L1", "O1", "A", 1, D("1"), T0),
          ("L3", "", "A", 1, D("1"), T0), ("L4", "O2", "", 1, D("1"), T0),
          ("L5", "O3", "A", 1, D("1"), T0), ("L6", "O4", None, 1, D("1"), T0))
    ships(db, ("S1", "O1", "A", 1, T0), ("S2", "", "A", 1, T0), ("S3", "O3", "A", 1, T0),
          ("S4", "O3", "A", 1, T0))
    result = run_checked(db, shipping(cardinality=cardinality, normalize=()), "r1")
    rows = results(db)
    assert_each_id_once(db, rows, "v_lines", "line_id", "v_ships", "ship_id")
    empty = sorted(i for r in rows if r["details"]["rule"] == "empty_key"
                   for i in (r["left_ids"] or r["right_ids"]))
    assert empty == ["L3", "L4", "L6", "S2"]
    assert result.counts["missing_right"] == 3 and result.counts["missing_left"] == 1
    assert {s: n for s, n in result.counts.items() if n and not s.startswith("missing")} == expected
    assert "pending" not in {r["state"] for r in rows}
    assert db.execute("SELECT count(*) FROM match_stats WHERE state = 'pending'").fetchone() == (0,)
