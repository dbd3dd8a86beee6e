"""A demo history is continuous: what a month's late orders still owe (parcels, deliveries,
returns, settlements, payouts, deposits, ZTO's rebate credited on the next month's bill) is in the
next month's files, and every month, run in order into one database, reconciles exactly to its own
answer key."""

from __future__ import annotations

import pandas as pd
import pytest

from recon_lib.db import Database
from recon_lib.demo import write_demo
from recon_lib.periods import parse_period
from recon_lib.pipeline import run_period
from recon_lib.results import freight_rebates
from recon_lib.score import read_truth, score, truth_path

NOV = parse_period("2026-11")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    folders = write_demo(NOV, root / "raw", orders=300, seed=13, months=2)
    scores = {}
    for folder in folders:
        period = parse_period(folder.name)
        run_period(period, data_dir=root / "raw", reports_dir=root / "reports",
                   db_path=root / "recon.duckdb", render=False)
        with Database(root / "recon.duckdb", read_only=True) as db:
            scores[folder.name] = score(db, folder.name,
                                        read_truth(truth_path(folder.name, root / "raw")))
    return root, scores


def test_every_month_scores_perfectly(history):
    _, scores = history
    assert list(scores) == ["2026-10", "2026-11"]
    for label, month in scores.items():
        for s in month:
            assert (s.precision, s.recall, s.amount_mismatches) == (1.0, 1.0, 0), (label, s)


def test_the_next_month_carries_the_late_legs(history):
    root, _ = history
    with Database(root / "recon.duckdb", read_only=True) as db:
        late = {table: db.scalar(
            f"SELECT count(*) FROM {table} WHERE period = '2026-11' AND order_id IN "
            "(SELECT order_id FROM orders WHERE period = '2026-10')")
            for table in ("shipments", "settlement_lines", "return_requests", "refunds")}
    assert all(n > 0 for n in late.values()), late


def test_a_next_month_rebate_is_credited_and_judged_on_the_next_months_bill(history):
    root, scores = history
    truth = {m: read_truth(truth_path(m, root / "raw")) for m in scores}
    short = {m: t.loc[t["reason_code"] == "FRT_REBATE_SHORT"].set_index("key")["amount"]
             for m, t in truth.items()}
    # ZTO's contract is 次月: October's shortfall is November's to judge; SF and JDL are 当月
    assert sorted(short["2026-10"].index) == ["JDL|2026-10", "SF|2026-10"]
    assert sorted(short["2026-11"].index) == ["JDL|2026-11", "SF|2026-11", "ZTO|2026-10"]
    with Database(root / "recon.duckdb", read_only=True) as db:
        lag = dict(db.df("SELECT DISTINCT carrier, credit_lag_months FROM rate_card_rebates")
                   .values)
        credits = db.df("SELECT period, waybill_no, bill_date FROM courier_bill_lines "
                        "WHERE fee_type = 'rebate' AND carrier = 'ZTO'")
        judged = {m: freight_rebates(db, m).set_index(["carrier", "cycle"]) for m in scores}
    assert lag == {"SF": 0, "ZTO": 1, "YTO": 0, "JDL": 0}
    # the scheme starts on 1 October: October's bill carries no ZTO credit and its run judges
    # no ZTO month; October's credit is a line on November's bill, credited short
    assert credits[["period", "waybill_no"]].values.tolist() == [["2026-11",
                                                                   "REBATE-ZTO-202610"]]
    assert pd.Timestamp(credits.at[0, "bill_date"]) == pd.Timestamp("2026-11-30")
    assert "ZTO" not in judged["2026-10"].index.get_level_values("carrier")
    october = judged["2026-11"].loc[("ZTO", "2026-10")]
    assert october["credit_month"] == "2026-11" and october["credited"] > 0
    assert -october["difference"] == pytest.approx(short["2026-11"]["ZTO|2026-10"])
    found = {m: next(s for s in month if s.reason_code == "FRT_REBATE_SHORT")
             for m, month in scores.items()}
    assert [(s.expected, s.true_positives, s.false_positives) for s in found.values()] == [
        (2, 2, 0), (3, 3, 0)]
