"""The demo's lost and damaged parcels: every claims code injected with its near misses, scored
1.0 in the month and in the next one (deadlines that end next month, paid on its bill). Every
code over several months: tests/demo/test_history.py."""

from __future__ import annotations

import pandas as pd
import pytest

from recon_lib import score
from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.build import TRUTH_COLUMNS
from recon_lib.demo.frames import insert_month
from recon_lib.periods import parse_period
from recon_lib.pipeline import reconcile_period
from recon_lib.reasons import codes_for

OCT, NOV = parse_period("2026-10"), parse_period("2026-11")


@pytest.fixture(scope="module")
def months():
    oct_ = build_month(OCT, orders=2500, seed=11)
    nov = build_month(NOV, orders=2500, seed=12, earlier=oct_.carry)
    db = Database(":memory:")
    insert_month(db, oct_)
    insert_month(db, nov)
    for p in (OCT, NOV):
        reconcile_period(db, p)
    yield db, oct_, nov
    db.close()


def scores(db, month):
    truth = pd.DataFrame(month.truth, columns=TRUTH_COLUMNS)
    return {s.reason_code: s for s in score.score(db, month.period.label, truth)}


@pytest.mark.parametrize("which", [1, 2])
def test_every_code_scores_one_in_both_months(months, which):
    db, month = months[0], months[which]
    found = scores(db, month)
    for code in codes_for("claims"):
        s = found[code]
        assert s.expected >= 1, code
        assert (s.precision, s.recall, s.amount_mismatches) == (1.0, 1.0, 0), s


def test_next_months_findings_come_from_this_months_late_incidents(months):
    db, oct_, nov = months
    late = {r["key"] for r in nov.truth if r["recon"] == "claims"}
    shipped_oct = set(oct_.tables["shipments"]["tracking_no"])
    assert late & shipped_oct            # judged in November, lost or damaged in October
    credits = db.df("SELECT waybill_no, period FROM courier_bill_lines "
                    "WHERE fee_type = 'compensation'")
    carried = credits[credits["period"] == "2026-11"]["waybill_no"]
    assert carried.isin(list(shipped_oct)).any()   # October's incidents paid on November's bill


def test_lost_parcels_are_never_delivered(months):
    db = months[0]
    events = db.df("SELECT tracking_no, event_type FROM tracking_events")
    lost = set(events.loc[events["event_type"] == "lost", "tracking_no"])
    delivered = set(events.loc[events["event_type"] == "delivered", "tracking_no"])
    assert lost and not lost & delivered
