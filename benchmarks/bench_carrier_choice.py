"""Time the carrier choice (docs/carrier-choice.md) on a generated month.

    .venv/bin/python benchmarks/bench_carrier_choice.py                  # 1M orders
    .venv/bin/python benchmarks/bench_carrier_choice.py --orders 100000

The month (orders, shipments with their rate cards, surcharges, tracking and bills) is generated
and stored in a DuckDB file in a temporary folder (not timed); then the whole carrier choice
(the scorecard's rates, parcels, parcel x card options, the choice and every total the page
shows) is timed twice on it, and the parcel and option counts are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

PERIOD = "2026-10"


def prepare(db_path: Path, orders: int) -> None:
    from recon_lib.db import Database
    from recon_lib.demo.downstream import add_bills, add_logistics
    from recon_lib.demo.frames import insert_month
    from recon_lib.demo.generator import generate_month
    from recon_lib.periods import parse_period

    month = generate_month(parse_period(PERIOD), orders=orders, seed=1)
    add_logistics(month)
    add_bills(month)
    with Database(db_path) as db:
        insert_month(db, month)


def measure(db_path: Path) -> dict:
    from recon_lib import carrier_choice
    from recon_lib.db import Database

    with Database(db_path, read_only=True) as db:
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            result = carrier_choice.carrier_choice(db, PERIOD)
            seconds.append(time.perf_counter() - started)
        options = db.scalar("select count(*) from carrier_choice_options", name="count")
    return {"parcels": int(result.total["parcels"]), "options": int(options),
            "seconds": seconds, "saving": result.saving}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="keep the month in this DuckDB file (generated "
                        "when it does not exist) instead of a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "month.duckdb"
        if not db_path.exists():
            started = time.perf_counter()
            prepare(db_path, args.orders)
            print(f"generated and stored {args.orders:,} orders in "
                  f"{time.perf_counter() - started:.1f} s")
        got = measure(db_path)
    print(f"{got['parcels']:,} parcels, {got['options']:,} parcel x card options; carrier choice "
          + ", ".join(f"{s:.2f} s" for s in got["seconds"])
          + f"; saving {got['saving']:,.2f} yuan")
    return 0


if __name__ == "__main__":
    sys.exit(main())
