"""The benchmark's pandas baseline finds exactly what the engine finds, so its ratio compares
like with like. (No timing here: performance lives in benchmarks/.)"""

from __future__ import annotations

import sys
from pathlib import Path

from recon_lib.config import DEFAULT_SETTINGS
from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.periods import parse_period
from recon_lib.recons import shipping
from recon_lib.recons.base import RunContext

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from pandas_shipping import reconcile_shipping  # noqa: E402


def test_pandas_baseline_and_engine_agree_on_a_demo_month():
    period = parse_period("2026-10")
    with Database(":memory:") as db:
        insert_month(db, build_month(period, orders=2000, seed=4))
        shipping.reconcile(RunContext(db, period, "b1", DEFAULT_SETTINGS))
        engine = db.df("SELECT reason_code, key FROM discrepancies WHERE recon = 'shipping'")
        tables = {t: db.df(f"SELECT * FROM {t}")
                  for t in ("orders", "order_lines", "shipments", "shipment_lines")}
    baseline = reconcile_shipping(tables, period.start_ts, period.end_ts, sla_hours=48)
    got = set(zip(baseline["reason_code"], baseline["key"], strict=True))
    want = set(zip(engine["reason_code"], engine["key"], strict=True))
    assert len(want) > 20
    assert got == want
