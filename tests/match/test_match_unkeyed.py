"""Unkeyed matching: groups of records summing to one record, bounded search.

Runs go through ``run_checked`` (matched rows kept for the test to read, and checked against
the default run, which only counts them).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from recon_lib.errors import InputError
from recon_lib.match import Compare, DateWindow, MatchSpec, Side, Tolerance, run_match
from recon_lib.match.subset import Candidate, assign_groups, find_group
from tests.match.helpers import assert_each_id_once, create, one, results, run_checked

DAY = date(2026, 10, 1)
PAYOUTS = Side("v_payouts", (), ("payout_id", "paid_on", "amount"), "payout_id", "payout")
DEPOSITS = Side("v_deposits", (), ("txn_id", "booked_on", "amount"), "txn_id", "deposit")
WINDOW = DateWindow("paid_on", "booked_on", after=timedelta(days=3))


def payouts_spec(**overrides) -> MatchSpec:
    base = dict(name="payouts", left=PAYOUTS, right=DEPOSITS,
                compare=(Compare("amount", tolerance=Tolerance(abs=D("0.01"))),),
                window=WINDOW, cardinality="many_to_one", mode="unkeyed", amount="amount",
                reason_missing_left="SHIP_UNKNOWN_ORDER", reason_missing_right="SHIP_UNSHIPPED")
    return MatchSpec(**{**base, **overrides})


def payouts(db, *rows):
    """rows: (payout_id, day offset, amount)"""
    create(db, "v_payouts", "payout_id, paid_on, amount",
           [(i, DAY + timedelta(days=d), D(a)) for i, d, a in rows])


def deposits(db, *rows):
    create(db, "v_deposits", "txn_id, booked_on, amount",
           [(i, DAY + timedelta(days=d), D(a)) for i, d, a in rows])


def test_group_found_within_bound(db):
    payouts(db, ("P1", 0, "100.00"), ("P2", 0, "50.00"), ("P3", 1, "25.00"), ("P4", 9, "70.00"))
    deposits(db, ("D1", 2, "175.00"), ("D2", 10, "70.01"))
    result = run_checked(db, payouts_spec(), "r1")
    rows = results(db)
    d1 = one(rows, right_ids=["D1"])
    assert d1["state"] == "matched" and d1["left_ids"] == ["P1", "P2", "P3"]
    assert d1["explanation"] == (
        "payout P1, P2, P3 total 175.00; deposit D1 is 175.00 (difference 0.00, tolerance 0.01)")
    assert d1["details"]["group_size"] == 3 and d1["details"]["candidates"] == 3
    d2 = one(rows, right_ids=["D2"])
    assert (d2["state"], d2["left_ids"]) == ("matched_tolerance", ["P4"])
    assert d2["details"]["difference"] == D("0.01")
    assert result.counts["matched"] == 1 and result.counts["matched_tolerance"] == 1
    assert_each_id_once(db, rows, "v_payouts", "payout_id", "v_deposits", "txn_id")


def test_window_limits_the_candidates(db):
    # P2 is 4 days before the deposit: outside the window, so 100 + 50 is not found
    payouts(db, ("P1", 0, "100.00"), ("P2", -4, "50.00"), ("P3", 5, "50.00"))
    deposits(db, ("D1", 0, "150.00"))
    run_checked(db, payouts_spec(), "r1")
    rows = results(db)
    d1 = one(rows, right_ids=["D1"])
    assert (d1["state"], d1["reason_code"]) == ("missing_left", "SHIP_UNKNOWN_ORDER")
    assert d1["details"]["candidates"] == 1
    assert d1["explanation"] == ("no group of up to 6 payout rows inside the date window sums to "
                                 "deposit D1 (150.00); 1 candidates searched")
    assert {tuple(r["left_ids"]) for r in rows if r["state"] == "missing_right"} == {
        ("P1",), ("P2",), ("P3",)}
    assert one(rows, left_ids=["P2"])["reason_code"] == "SHIP_UNSHIPPED"


def test_beyond_max_candidates_is_unresolved_not_guessed(db):
    payouts(db, *[(f"P{i}", 0, "10.00") for i in range(5)])
    deposits(db, ("D1", 1, "20.00"))
    result = run_checked(db, payouts_spec(max_candidates=4), "r1")
    rows = results(db)
    d1 = one(rows, right_ids=["D1"])
    assert (d1["state"], d1["left_ids"], d1["reason_code"]) == ("unresolved", None, None)
    assert d1["details"]["rule"] == "too_many_candidates"
    assert d1["explanation"] == ("deposit D1: 5 payout candidates inside the date window, more "
                                 "than max_candidates 4; not searched, to be reviewed by hand")
    # its candidates are not declared missing either
    assert result.counts == {**result.counts, "unresolved": 6, "missing_right": 0, "matched": 0}
    assert one(rows, left_ids=["P0"])["details"]["rule"] == "candidate_of_unresolved"
    assert run_checked(db, payouts_spec(max_candidates=5), "r2").counts["matched"] == 1


def test_group_larger_than_max_group_is_unresolved(db):
    payouts(db, *[(f"P{i}", 0, "10.00") for i in range(4)])
    deposits(db, ("D1", 1, "40.00"))
    result = run_checked(db, payouts_spec(max_group=3), "r1")
    d1 = one(results(db), right_ids=["D1"])
    assert d1["state"] == "unresolved" and d1["details"]["rule"] == "search_not_exhaustive"
    assert d1["explanation"] == ("deposit D1: no group of up to 3 of its 4 candidates sums to "
                                 "40.00; larger groups were not searched")
    assert result.counts["unresolved"] == 5
    assert run_checked(db, payouts_spec(max_group=4), "r2").counts["matched"] == 1


def test_exhaustive_search_without_a_group_is_missing(db):
    payouts(db, ("P1", 0, "10.00"), ("P2", 0, "20.00"))
    deposits(db, ("D1", 1, "25.00"))
    result = run_checked(db, payouts_spec(), "r1")
    assert result.counts["missing_left"] == 1 and result.counts["missing_right"] == 2
    assert result.counts["unresolved"] == 0


def test_a_record_joins_at_most_one_group(db):
    payouts(db, ("P1", 0, "30.00"), ("P2", 0, "20.00"), ("P3", 0, "10.00"))
    deposits(db, ("D1", 1, "30.00"), ("D2", 2, "30.00"))
    run_checked(db, payouts_spec(), "r1")
    rows = results(db)
    assert one(rows, right_ids=["D1"])["left_ids"] == ["P1"]  # exact single wins over P2+P3
    assert one(rows, right_ids=["D2"])["left_ids"] == ["P2", "P3"]
    assert_each_id_once(db, rows, "v_payouts", "payout_id", "v_deposits", "txn_id")


def test_blocking_keys_restrict_candidates(db):
    create(db, "v_payouts", "payout_id, shop, paid_on, amount",
           [("P1", "A", DAY, D("10")), ("P2", "B", DAY, D("10"))])
    create(db, "v_deposits", "txn_id, shop, booked_on, amount",
           [("D1", "b", DAY, D("10"))])
    spec = payouts_spec(
        left=Side("v_payouts", ("shop",), ("payout_id", "shop", "paid_on", "amount"),
                  "payout_id"),
        right=Side("v_deposits", ("shop",), ("txn_id", "shop", "booked_on", "amount"), "txn_id"),
        normalize=("upper",))
    run_checked(db, spec, "r1")
    d1 = one(results(db), right_ids=["D1"])
    assert (d1["left_ids"], d1["key"]) == (["P2"], "B")


def test_one_to_many_mirrors(db):
    # one payout (left) paid out as two deposits (right)
    payouts(db, ("P1", 0, "100.00"))
    deposits(db, ("D1", 1, "60.00"), ("D2", 2, "40.00"), ("D3", 2, "5.00"))
    result = run_checked(db, payouts_spec(cardinality="one_to_many"), "r1")
    rows = results(db)
    p1 = one(rows, left_ids=["P1"])
    assert (p1["state"], p1["right_ids"]) == ("matched", ["D1", "D2"])
    assert (one(rows, right_ids=["D3"])["state"]) == "missing_left"
    assert result.total == 2


def test_unkeyed_matched_groups_are_counted_not_stored(db):
    payouts(db, ("P1", 0, "100.00"), ("P2", 0, "50.00"), ("P4", 9, "70.00"))
    deposits(db, ("D1", 2, "150.00"), ("D2", 10, "70.01"))
    result = run_match(db, payouts_spec(), "r1")
    assert (result.counts["matched"], result.counts["matched_tolerance"]) == (1, 1)
    assert [r["state"] for r in results(db)] == ["matched_tolerance"]
    assert db.scalar("SELECT n FROM match_stats WHERE state = 'matched'") == 1


def test_one_to_one_unkeyed_pairs_single_records(db):
    payouts(db, ("P1", 0, "10.00"), ("P2", 0, "20.00"))
    deposits(db, ("D1", 1, "30.00"), ("D2", 1, "20.00"))
    run_checked(db, payouts_spec(cardinality="one_to_one"), "r1")
    rows = results(db)
    assert one(rows, right_ids=["D2"])["left_ids"] == ["P2"]
    assert one(rows, right_ids=["D1"])["state"] == "missing_left"  # no groups of two


def test_ids_must_be_unique_in_unkeyed_mode(db):
    payouts(db, ("P1", 0, "10.00"), ("P1", 0, "20.00"))
    deposits(db, ("D1", 1, "30.00"))
    with pytest.raises(InputError, match="unique"):
        run_match(db, payouts_spec(), "r1")


def test_find_group_prefers_exact_then_small_then_early():
    cands = [Candidate("a", D(5)), Candidate("b", D(3)), Candidate("c", D(2)),
             Candidate("d", D("4.99"))]
    exact = find_group(D(5), cands, Tolerance(abs=D("0.01")), 6)
    assert exact.group == ("a",) and exact.exhaustive and exact.solutions == 3  # a, d, b+c
    assert find_group(D("4.99"), cands, Tolerance(), 6).group == ("d",)
    assert find_group(D(8), cands, Tolerance(), 6).group == ("a", "b")  # before b+c+... none
    assert find_group(D(100), cands, Tolerance(), 2) == find_group(D(100), cands, Tolerance(),
                                                                    2)
    bounded = find_group(D(14.99), cands, Tolerance(), 3)
    assert bounded.group is None and not bounded.exhaustive


def test_find_group_tolerance_relative_to_the_right_value():
    cands = [Candidate("a", D(95))]
    assert find_group(D(100), cands, Tolerance(rel=D("0.05")), 6).group == ("a",)
    # group on the right: tolerance is 5% of 95 = 4.75 < 5
    assert find_group(D(100), cands, Tolerance(rel=D("0.05")), 6, group_is_right=True).group \
        is None


def test_assign_groups_is_greedy_in_order():
    rows = [("D1", "P1", 30, 10), ("D1", "P2", 30, 20), ("D2", "P1", 10, 10),
            ("D3", "P3", None, 5)]
    found = assign_groups(rows, Tolerance(), 6)
    assert found.pairs == (("D1", "P1"), ("D1", "P2"))
    assert found.open == ()


def test_assign_groups_open_only_when_larger_groups_could_exist():
    rows = [("D1", "P1", 30, 10), ("D1", "P2", 30, 20)]
    assert assign_groups(rows, Tolerance(), 1).open == ("D1",)
    assert assign_groups(rows, Tolerance(), 1, larger_groups_allowed=False).open == ()
    assert assign_groups(rows, Tolerance(), 2).pairs == (("D1", "P1"), ("D1", "P2"))
