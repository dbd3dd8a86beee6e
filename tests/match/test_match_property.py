"""Property: perturb one pair of an otherwise matching set; exactly that pair is reported."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from recon_lib.db import Database
from recon_lib.match import Compare, MatchSpec, Side, Tolerance
from tests.match.helpers import by_key, create, results, run_checked

money = st.decimals(min_value=Decimal("-9999.99"), max_value=Decimal("9999.99"), places=2,
                    allow_nan=False, allow_infinity=False)
LEFT = Side("v_left", ("k",), ("id", "k", "amount"), "id", "ledger")
RIGHT = Side("v_right", ("k",), ("id", "k", "amount"), "id", "bank")


@st.composite
def scenarios(draw):
    values = draw(st.lists(money, min_size=1, max_size=8))
    target = draw(st.integers(0, len(values) - 1))
    delta = draw(st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=2,
                             allow_nan=False, allow_infinity=False))
    tol_abs = draw(st.decimals(min_value=0, max_value=Decimal("5"), places=2))
    tol_rel = draw(st.sampled_from([Decimal(0), Decimal("0.001"), Decimal("0.01"),
                                    Decimal("0.05")]))
    # dirty keys on the right: padding and case, which the spec normalises away
    pads = draw(st.lists(st.sampled_from(["", " ", "\t", "  "]), min_size=len(values),
                         max_size=len(values)))
    lower = draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    return values, target, delta, tol_abs, tol_rel, pads, lower


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_only_the_perturbed_pair_differs_by_exactly_the_delta(scenario):
    values, target, delta, tol_abs, tol_rel, pads, lower = scenario
    keys = [f"K{i}" for i in range(len(values))]
    right_values = [v + delta if i == target else v for i, v in enumerate(values)]
    db = Database(":memory:")
    try:
        create(db, "v_left", "id, k, amount",
               [(f"l{i}", k, v) for i, (k, v) in enumerate(zip(keys, values, strict=True))])
        create(db, "v_right", "id, k, amount",
               [(f"r{i}", pads[i] + (k.lower() if lower[i] else k) + pads[i], v)
                for i, (k, v) in enumerate(zip(keys, right_values, strict=True))])
        tol = Tolerance(abs=tol_abs, rel=tol_rel)
        spec = MatchSpec("prop", LEFT, RIGHT, compare=(Compare("amount", reason="SHIP_PARTIAL"),),
                         default_tolerance=tol, normalize=("trim", "upper"))
        result = run_checked(db, spec, "p")  # also: default run stores all but matched
        rows = by_key(results(db, "p"))
    finally:
        db.close()

    assert set(rows) == set(keys) and result.total == len(keys)
    right = right_values[target]
    if delta == 0:
        expected = "matched"
    elif abs(delta) <= tol_abs + tol_rel * abs(right):
        expected = "matched_tolerance"
    else:
        expected = "mismatched"
    row = rows[keys[target]]
    assert row["state"] == expected
    check = row["details"]["checks"][0]
    assert check["difference"] == delta
    assert (check["left"], check["right"]) == (values[target], right)
    assert row["reason_code"] == ("SHIP_PARTIAL" if expected == "mismatched" else None)
    others = [rows[k]["state"] for k in keys if k != keys[target]]
    assert others == ["matched"] * (len(keys) - 1)
