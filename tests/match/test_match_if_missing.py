"""``Compare(if_missing="skip")``: a value missing on one side makes the comparison not checkable on
that pair (status ``unchecked``), never a mismatch; the pair's state comes from its other checks."""

from __future__ import annotations

import pytest

from recon_lib.match import Compare, MatchSpec, Side, SpecError
from tests.match.helpers import by_key, create, results, run_checked

BILL = Side("v_bill", ("waybill",), ("line_id", "waybill", "kg", "province"), "line_id",
            "bill line")
OURS = Side("v_ours", ("waybill",), ("waybill", "kg", "province"), "waybill", "our parcel")


def spec(if_missing: str) -> MatchSpec:
    return MatchSpec(
        name="freightish", left=BILL, right=OURS,
        compare=(Compare("kg", reason_under="FRT_WEIGHT_OVER", if_missing=if_missing),
                 Compare("province", kind="text", reason="FRT_ZONE_MISMATCH",
                         if_missing=if_missing)),
        normalize=("trim", "upper"),
    )


@pytest.fixture
def sides(db):
    create(db, "v_bill", "line_id, waybill, kg, province", [
        ("L1", "W1", 1.0, None),        # no province on the bill
        ("L2", "W2", None, "广东"),      # no weight on the bill
        ("L3", "W3", 2.0, None),        # no province on the bill, and too heavy
        ("L4", "W4", 1.0, "新疆"),       # a real zone difference
        ("L5", "W5", 1.0, None),        # no province on either side
    ])
    create(db, "v_ours", "waybill, kg, province", [
        ("W1", 1.0, "广东"), ("W2", 1.0, "广东"), ("W3", 1.0, "广东"), ("W4", 1.0, "广东"),
        ("W5", 1.0, None),
    ])
    return db


def test_skip_never_makes_a_mismatch_of_a_missing_value(sides):
    run_checked(sides, spec("skip"))
    rows = by_key(results(sides))
    assert {k: (r["state"], r["reason_code"]) for k, r in rows.items()} == {
        "W1": ("matched", None), "W2": ("matched", None),
        "W3": ("mismatched", "FRT_WEIGHT_OVER"),
        "W4": ("mismatched", "FRT_ZONE_MISMATCH"), "W5": ("matched", None),
    }
    checks = rows["W1"]["details"]["checks"]
    assert [c["status"] for c in checks] == ["equal", "unchecked"]
    assert rows["W1"]["explanation"] == "province not checked: no value on the bill line side"
    assert "province not checked" in rows["W3"]["explanation"]
    assert "kg differs" in rows["W3"]["explanation"]


def test_the_default_still_fails_a_value_missing_on_one_side(sides):
    run_checked(sides, spec("mismatch"))
    rows = by_key(results(sides))
    assert rows["W1"]["reason_code"] == "FRT_ZONE_MISMATCH"
    assert rows["W1"]["explanation"] == "province has no value on the bill line side"
    assert rows["W5"]["state"] == "matched"          # NULL on both sides is equal
    assert rows["W2"]["state"] == "mismatched"       # no reason for a missing weight: state only


def test_if_missing_is_validated_and_serialised():
    with pytest.raises(SpecError, match="if_missing"):
        Compare("kg", if_missing="ignore")
    s = spec("skip")
    assert MatchSpec.from_dict(s.to_dict()) == s
    assert s.to_dict()["compare"][0]["if_missing"] == "skip"
