"""The spec refuses bad values at construction, naming the field."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from recon_lib.match import Compare, DateWindow, MatchSpec, Side, SpecError, Tolerance

LINES = Side("v_lines", ("order_id", "sku"), ("line_id", "order_id", "sku", "qty", "paid_at"),
             "line_id", "order line")
SHIPS = Side("v_ships", ("order_id", "sku"), ("ship_id", "order_id", "sku", "qty", "ship_time"),
             "ship_id", "shipment line")


def spec(**overrides) -> MatchSpec:
    base = dict(name="ship", left=LINES, right=SHIPS, compare=(Compare("qty"),))
    return MatchSpec(**{**base, **overrides})


def test_a_valid_spec_is_frozen_and_normalised():
    s = spec(normalize=["upper", "trim"], window=DateWindow("paid_at", "ship_time"))
    assert s.normalize == ("upper", "trim")
    assert s.normalize_steps() == ("trim", "upper")  # applied in the fixed order
    assert s.compare[0].right == "qty"  # right defaults to the left name
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "other"  # type: ignore[misc]


def test_label_defaults_to_the_relation():
    assert Side("orders", ("order_id",), ("order_id",), "order_id").label == "orders"


def test_spec_round_trips_through_json():
    s = spec(
        compare=(Compare("qty", tolerance=Tolerance(abs=Decimal("0.5"), rel=0.01),
                         reason_under="SHIP_PARTIAL"),
                 Compare("paid_at", "ship_time", kind="date",
                         tolerance=Tolerance(abs=timedelta(hours=2)))),
        window=DateWindow("paid_at", "ship_time", after=timedelta(days=2), reason="SHIP_LATE"),
        cardinality="one_to_many",
        amount="qty",
    )
    assert MatchSpec.from_dict(json.loads(json.dumps(s.to_dict()))) == s


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"compare": (Compare("qtty"),)}, "compare[0].left", "'qtty' is not a column of left side 'v_lines'"),
        ({"compare": (Compare("qty", "qty_shipped"),)}, "compare[0].right", "right side 'v_ships'"),
        ({"window": DateWindow("created_at", "ship_time")}, "window.left", "'created_at'"),
        ({"window": DateWindow("paid_at", "shipped")}, "window.right", "'shipped'"),
        ({"cardinality": "many"}, "cardinality", "'many'"),
        ({"normalize": ("trim", "lower")}, "normalize[1]", "'lower'"),
        ({"normalize": "trim"}, "normalize", "tuple"),
        ({"reason_missing_left": "NO_SUCH_CODE"}, "reason_missing_left", "unknown reason code"),
        ({"reason_duplicate_right": "ship_over"}, "reason_duplicate_right", "unknown reason code"),
        ({"amount": "line_amount"}, "amount", "neither side"),
        ({"default_tolerance": Tolerance(abs=timedelta(1))}, "default_tolerance", "numeric"),
        ({"name": ""}, "name", "non-empty"),
        ({"left": "v_lines"}, "left", "must be a Side"),
        ({"window": "2 days"}, "window", "must be a DateWindow"),
        ({"compare": Compare("qty")}, "compare", "tuple"),
        ({"max_candidates": 0}, "max_candidates", "at least 1"),
        ({"max_group": True}, "max_group", "must be an int"),
        ({"mode": "fuzzy"}, "mode", "'fuzzy'"),
    ],
)
def test_bad_spec_is_refused_naming_the_field(overrides, field, words):
    with pytest.raises(ValueError) as err:
        spec(**overrides)
    assert str(err.value).startswith(f"{field}: ")
    assert words in str(err.value)


def test_keys_are_checked():
    no_keys = Side("v_lines", (), ("line_id", "qty"), "line_id")
    with pytest.raises(ValueError, match=r"^left\.keys: must name at least one key"):
        spec(left=no_keys)
    one_key = Side("v_ships", ("order_id",), ("ship_id", "order_id", "qty"), "ship_id")
    with pytest.raises(ValueError, match=r"^right\.keys: has 1 columns but left\.keys has 2"):
        spec(right=one_key)
    with pytest.raises(ValueError, match=r"^keys\[0\]: column 'order_no' is not among columns"):
        Side("v_lines", ("order_no",), ("line_id", "order_id"), "line_id")
    with pytest.raises(ValueError, match=r"^id: column 'id' is not among columns"):
        Side("v_lines", ("order_id",), ("line_id", "order_id"), "id")


@pytest.mark.parametrize("relation", ["orders; DROP TABLE x", "1orders", "a.b.c.d", ""])
def test_relation_must_be_an_identifier(relation):
    with pytest.raises(ValueError, match=r"^relation: "):
        Side(relation, ("k",), ("k",), "k")


def test_columns_must_be_identifiers():
    with pytest.raises(ValueError, match=r"^columns\[1\]: 'qty--' is not a plain SQL identifier"):
        Side("t", ("k",), ("k", "qty--"), "k")
    with pytest.raises(ValueError, match=r"^columns: lists a column twice"):
        Side("t", ("k",), ("k", "k"), "k")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"abs": -1}, "abs"), ({"rel": -0.01}, "rel"), ({"abs": float("nan")}, "abs"),
     ({"abs": "1"}, "abs"), ({"abs": True}, "abs"), ({"abs": timedelta(-1)}, "abs")],
)
def test_bad_tolerance_is_refused(kwargs, field):
    with pytest.raises(ValueError, match=rf"^{field}: "):
        Tolerance(**kwargs)


def test_tolerance_numbers_are_exact_decimals_and_inclusive():
    tol = Tolerance(abs=0.1, rel=0.05)
    assert tol.abs == Decimal("0.1") and tol.rel == Decimal("0.05")
    assert tol.within(Decimal("190.1"), Decimal("200"))  # 9.9 <= 0.1 + 10: inside
    assert tol.within(Decimal("189.9"), Decimal("200"))  # 10.1 == 0.1 + 10: at the bound
    assert not tol.within(Decimal("189.89"), Decimal("200"))  # just beyond


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"after": 5}, "after"), ({"before": "1 day"}, "before"),
     ({"after": timedelta(hours=-1)}, "after"), ({"reason": "LATE"}, "reason")],
)
def test_bad_window_is_refused(kwargs, field):
    with pytest.raises(ValueError, match=rf"^{field}: ") as err:
        DateWindow("paid_at", "ship_time", **kwargs)
    if field == "after" and kwargs["after"] == 5:
        assert "timedelta" in str(err.value) and isinstance(err.value, TypeError)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "money"}, "kind"),
        ({"kind": "text", "tolerance": Tolerance(abs=1)}, "tolerance"),
        ({"kind": "text", "reason_over": "SHIP_OVER"}, "reason_over"),
        ({"kind": "date", "tolerance": Tolerance(abs=1)}, "tolerance"),
        ({"kind": "number", "tolerance": Tolerance(abs=timedelta(hours=1))}, "tolerance"),
        ({"tolerance": 0.5}, "tolerance"),
        ({"reason_under": "PARTIAL"}, "reason_under"),
        ({"reason": 7}, "reason"),
    ],
)
def test_bad_compare_is_refused(kwargs, field):
    with pytest.raises(SpecError, match=rf"^{field}: "):
        Compare("qty", **kwargs)


def test_unkeyed_mode_needs_a_window_and_one_amount():
    left = Side("payouts", (), ("payout_id", "paid_on", "amount"), "payout_id")
    right = Side("deposits", (), ("txn_id", "booked_on", "amount"), "txn_id")
    base = dict(name="pay", left=left, right=right, mode="unkeyed",
                compare=(Compare("amount"),))
    with pytest.raises(ValueError, match=r"^window: unkeyed mode needs a date window"):
        MatchSpec(**base)
    window = DateWindow("paid_on", "booked_on", after=timedelta(days=3))
    with pytest.raises(ValueError, match=r"^compare: unkeyed mode takes exactly one number"):
        MatchSpec(**{**base, "compare": (Compare("amount"), Compare("amount", kind="text"))},
                  window=window)
    ok = MatchSpec(**base, window=window, cardinality="many_to_one")
    assert ok.many_side == "left" and ok.group_limit == 6
    assert MatchSpec(**base, window=window).group_limit == 1  # one_to_one: pairs only
