"""A demo history is continuous: what a month's late orders still owe (parcels, deliveries,
returns, settlements, payouts, deposits) is in the next month's files, and every month, run in
order into one database, reconciles exactly to its own answer key."""

from __future__ import annotations

import pytest

from recon_lib.db import Database
from recon_lib.demo import write_demo
from recon_lib.periods import parse_period
from recon_lib.pipeline import run_period
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
