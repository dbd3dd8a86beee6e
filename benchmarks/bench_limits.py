"""Where the 5x target stands on this machine: how the engine uses the cores, and what the two
remaining ideas (running the reconciliations at once, integer ids) would buy.

    python benchmarks/bench_limits.py                    # 1M orders, 3 repetitions each
    python benchmarks/bench_limits.py --orders 100000 --reps 1

On one generated month (the same as bench_recon.py's), each measurement in a fresh subprocess,
the median of ``--reps`` repetitions, wall and CPU seconds (all threads of the process):

  * serial   - shipping then outbound, as `recon run` does, with DuckDB threads = 2 and = 1:
               how much of the second core the engine already uses;
  * parallel - shipping and outbound at the same time on two connections (threads = 2 each);
  * ids      - the staging statements of both reconciliations (recon_lib/sql/shipping_due.sql,
               shipping_ordered_lines, shipping_packed, outbound_lines, outbound_posted) and a
               pairing aggregation per reconciliation, on the month as stored and on a copy whose
               order, parcel and reference ids are integers: the most that integer surrogate
               keys made at load time could save in the statements that dominate;
  * baseline - the pandas shipping baseline (benchmarks/pandas_shipping.py), as in bench_recon.py.

It then prints what the 5x target asks of the engine, and exits 1 if the integer copy does not
stage the same number of rows as the month as stored.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_recon import PERIOD, prepare, worker_baseline  # noqa: E402

STAGING = (("shipping_due", "ship"), ("shipping_ordered_lines", None),
           ("shipping_packed", None), ("outbound_lines", "out"), ("outbound_posted", "out"))

# The engine's quick pass reduced to its pairing (one row per key with both sides' counts and
# sums), for the text/integer comparison only: the engine itself casts keys to text.
PAIRING = {
    "shipping pairing": """
        CREATE OR REPLACE TEMP TABLE pairs AS
        SELECT k0, k1, count(l) AS l_n, count(r) AS r_n, any_value(l_qty) AS l_qty,
               any_value(l_amt) AS l_amt, sum(r_qty) AS r_qty
        FROM (SELECT order_id AS k0, sku AS k1, 1 AS l, NULL AS r, qty AS l_qty,
                     ordered_value AS l_amt, NULL AS r_qty FROM shipping_ordered_lines
              UNION ALL
              SELECT order_id, sku, NULL, 1, NULL, NULL, qty FROM shipping_packed)
        GROUP BY k0, k1""",
    "outbound pairing": """
        CREATE OR REPLACE TEMP TABLE pairs AS
        SELECT k0, k1, count(l) AS l_n, count(r) AS r_n, any_value(l_qty) AS l_qty,
               sum(r_qty) AS r_qty
        FROM (SELECT shipment_id AS k0, sku AS k1, 1 AS l, NULL AS r, qty AS l_qty,
                     NULL AS r_qty FROM outbound_lines
              UNION ALL
              SELECT shipment_id, sku, NULL, 1, NULL, qty FROM outbound_posted)
        GROUP BY k0, k1""",
}

# Integer ids for the copy: every id of a kind numbered once, then put in place of the text.
INT_IDS = (
    ("order_ids", (("orders", "order_id"), ("order_lines", "order_id"),
                   ("shipments", "order_id"))),
    ("parcel_ids", (("shipments", "shipment_id"), ("shipment_lines", "shipment_id"),
                    ("inventory_movements", "reference"))),
)


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _median(samples: list[tuple[float, float]]) -> dict:
    return {"wall_s": round(statistics.median(s[0] for s in samples), 3),
            "cpu_s": round(statistics.median(s[1] for s in samples), 3)}


def worker_engine(db_path: Path, reps: int, threads: int, parallel: bool) -> dict:
    from recon_lib.config import DEFAULT_SETTINGS
    from recon_lib.db import Database
    from recon_lib.periods import parse_period
    from recon_lib.recons import outbound, shipping
    from recon_lib.recons.base import RunContext

    period = parse_period(PERIOD)
    # a second connection to the same database (DuckDB shares the instance within a process);
    # temporary tables are per connection, so the two reconciliations stage apart
    dbs = [Database(db_path), Database(db_path)]
    for db in dbs:
        db.execute(f"SET threads = {int(threads)}", name="threads")
    ship_ctx, out_ctx = (RunContext(db, period, "limits", DEFAULT_SETTINGS) for db in dbs)

    def serial():
        shipping.reconcile(ship_ctx)
        outbound.reconcile(ship_ctx)

    def at_once():
        workers = [threading.Thread(target=shipping.reconcile, args=(ship_ctx,)),
                   threading.Thread(target=outbound.reconcile, args=(out_ctx,))]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    result = _median([_timed(at_once if parallel else serial) for _ in range(reps)])
    for db in dbs:
        db.close()
    return result


def worker_ids(db_path: Path, reps: int) -> dict:
    """The staging statements and pairings on text ids, then on the integer copy."""
    from recon_lib.db import Database
    from recon_lib.periods import parse_period

    bounds = parse_period(PERIOD).bounds()
    params = {"ship": {"sla_hours": 48, **bounds}, "out": {"window_hours": 36, **bounds}}
    int_path = db_path.with_name(f"{db_path.stem}_int.duckdb")
    shutil.copy(db_path, int_path)
    with Database(int_path) as db:
        for dictionary, uses in INT_IDS:
            union = " UNION ".join(f"SELECT {col} AS id FROM {table}" for table, col in uses)
            db.execute(f"CREATE TEMP TABLE {dictionary} AS SELECT id, "
                       f"row_number() OVER () AS n FROM ({union})", name=dictionary)
            for table, col in uses:
                db.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT t.* REPLACE (d.n AS {col}) "
                           f"FROM {table} AS t LEFT JOIN {dictionary} AS d ON d.id = t.{col}",
                           name=f"integer {table}.{col}")
    out = {}
    for label, path in (("text", db_path), ("integer", int_path)):
        with Database(path) as db:
            steps = [(name, name, partial(db.run, name, **params.get(kind, {})))
                     for name, kind in STAGING]
            steps += [(name, "pairs", partial(db.execute, sql, name=name))
                      for name, sql in PAIRING.items()]
            samples, rows = [], {}
            for _ in range(reps):
                times = {}
                for name, table, step in steps:
                    times[name] = _timed(step)
                    rows[name] = db.scalar(f"SELECT count(*) FROM {table}", name=table)
                samples.append(times)
            out[label] = {name: {**_median([s[name] for s in samples]), "rows": rows[name]}
                          for name, _, _ in steps}
    int_path.unlink()
    return out


def worker_pandas(db_path: Path, reps: int) -> dict:
    runs = [worker_baseline(db_path) for _ in range(reps)]
    return _median([(r["shipping_s"], r["cpu_s"]) for r in runs])


def run_worker(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", *args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, db_path, reps, *rest = args.worker
        db_path, reps = Path(db_path), int(reps)
        if kind == "engine":
            result = worker_engine(db_path, reps, int(rest[0]), rest[1] == "parallel")
        elif kind == "ids":
            result = worker_ids(db_path, reps)
        else:
            result = worker_pandas(db_path, reps)
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="recon-limits-") as tmp:
        db_path = Path(tmp) / "month.duckdb"
        print(f"generating {args.orders:,} orders ...", flush=True)
        prepare(db_path, args.orders)
        reps = str(args.reps)
        res = {
            "serial, threads 2": run_worker("engine", str(db_path), reps, "2", "serial"),
            "serial, threads 1": run_worker("engine", str(db_path), reps, "1", "serial"),
            "parallel, threads 2": run_worker("engine", str(db_path), reps, "2", "parallel"),
            "pandas baseline": run_worker("pandas", str(db_path), reps),
            "ids": run_worker("ids", str(db_path), reps),
        }
    for label in ("serial, threads 2", "serial, threads 1", "parallel, threads 2",
                  "pandas baseline"):
        r = res[label]
        print(f"{label:<22} wall {r['wall_s']:6.2f} s   cpu {r['cpu_s']:6.2f} s")
    engine, one, pandas = (res[k] for k in ("serial, threads 2", "serial, threads 1",
                                            "pandas baseline"))
    print(f"second core: threads 1 / threads 2 wall = {one['wall_s'] / engine['wall_s']:.2f}x")
    print(f"ratio now: {pandas['wall_s'] / engine['wall_s']:.2f}x; 5x needs engine wall "
          f"<= {pandas['wall_s'] / 5:.2f} s")
    ids = res["ids"]
    total = {label: sum(v["wall_s"] for v in ids[label].values()) for label in ids}
    for name in ids["text"]:
        print(f"  {name:<24} text {ids['text'][name]['wall_s']:6.3f} s   "
              f"integer {ids['integer'][name]['wall_s']:6.3f} s   "
              f"({ids['text'][name]['rows']:,} rows)")
    saved = total["text"] - total["integer"]
    print(f"staging + pairing: text {total['text']:.2f} s, integer {total['integer']:.2f} s "
          f"(saves {saved:.2f} s); engine with that saving: {engine['wall_s'] - saved:.2f} s, "
          f"ratio {pandas['wall_s'] / (engine['wall_s'] - saved):.2f}x")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    # the integer copy must be the same month, or its timings compare nothing
    same = all(ids["text"][n]["rows"] == ids["integer"][n]["rows"] for n in ids["text"])
    print(f"integer copy stages the same rows: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
