"""Benchmark: the engine's shipping and outbound reconciliations against a plain pandas baseline.

    python benchmarks/bench_recon.py                  # 100k and 1M orders
    python benchmarks/bench_recon.py --sizes 100000   # one size
    python benchmarks/bench_recon.py --with-10m       # add the 10M-order month (opt-in: slow)

For each size a demo month (generated, with injected discrepancies) is written to a DuckDB file
once; above 1M orders it is generated in chunks of 1M orders (ids made unique per chunk) and
added chunk by chunk, so that generating never holds more than one chunk in memory. Then, each
in a fresh subprocess so that peak memory belongs to that step alone:
  * engine   - recon_lib's shipping + outbound reconciliations on that database;
  * baseline - the same shipping rules in pandas (benchmarks/pandas_shipping.py), starting from
               DataFrames already in memory (loading them is not timed).
It prints wall time, input rows per second, peak memory (RSS) and the ratio baseline / engine
measured in the same run, and checks that both found the same shipping discrepancies.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PERIOD = "2026-10"
INPUT_TABLES = ("orders", "order_lines", "shipments", "shipment_lines", "inventory_movements")
CHUNK = 1_000_000  # orders generated at once; larger months are made of such chunks
ID_COLUMNS = {     # made unique per chunk (chunk 0 keeps its ids: sizes up to CHUNK unchanged)
    "orders": ("order_id",),
    "order_lines": ("order_id",),
    "shipments": ("shipment_id", "order_id"),
    "shipment_lines": ("shipment_id",),
    "inventory_movements": ("movement_id", "reference"),
}


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: ru_maxrss survives exec, so a
    worker would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _month(orders: int, chunk: int, rate: float):
    """One generated month (or chunk of one) with its injected discrepancies."""
    import numpy as np

    from recon_lib.demo.downstream import close_period, movements
    from recon_lib.demo.generator import generate_month
    from recon_lib.demo.inject import inject_outbound, inject_shipping
    from recon_lib.periods import parse_period

    month = generate_month(parse_period(PERIOD), orders=orders, seed=1 + chunk)
    inject_shipping(month, rate=rate)
    close_period(month)
    month.tables["inventory_movements"] = movements(np.random.default_rng(2 + chunk), month)
    inject_outbound(month, rate=rate)
    if chunk:
        for name, columns in ID_COLUMNS.items():
            frame = month.tables[name]
            for col in columns:
                frame[col] = frame[col].where(frame[col].isna(), frame[col] + f"-{chunk}")
    return month


def prepare(db_path: Path, orders: int) -> dict:
    """Generate the month and store it; returns input row counts."""
    from recon_lib.db import Database
    from recon_lib.demo.frames import insert_month

    rate = 50 / orders  # ~50 findings per reason code at any size
    counts = dict.fromkeys(INPUT_TABLES, 0)
    n_chunks = -(-orders // CHUNK)
    for chunk in range(n_chunks):
        month = _month(min(CHUNK, orders - chunk * CHUNK), chunk, rate)
        if chunk == 0:
            with Database(db_path) as db:
                added = insert_month(db, month)
        else:
            # each later chunk goes through a scratch database, then is appended: the products
            # (the same SKUs in every chunk) are kept from the first chunk
            del month.tables["products"]
            scratch = db_path.with_name(f"{db_path.stem}_chunk.duckdb")
            scratch.unlink(missing_ok=True)
            with Database(scratch) as db:
                added = insert_month(db, month)
            with Database(db_path) as db:
                db.execute("ATTACH $path AS chunk (READ_ONLY)", {"path": str(scratch)},
                           name="attach chunk")
                with db.transaction():
                    for name in INPUT_TABLES:  # fixed table names, not data
                        db.execute(f"INSERT INTO {name} SELECT * FROM chunk.{name}",
                                   name=f"append {name}")
                db.execute("DETACH chunk", name="detach chunk")
            scratch.unlink()
        del month
        for name in INPUT_TABLES:
            counts[name] += added[name]
    return counts


def worker_engine(db_path: Path) -> dict:
    from recon_lib.config import DEFAULT_SETTINGS
    from recon_lib.db import Database
    from recon_lib.periods import parse_period
    from recon_lib.recons import outbound, shipping
    from recon_lib.recons.base import RunContext

    with Database(db_path) as db:
        ctx = RunContext(db, parse_period(PERIOD), "bench", DEFAULT_SETTINGS)
        started = time.perf_counter()
        shipping.reconcile(ctx)
        ship_s = time.perf_counter() - started
        outbound.reconcile(ctx)
        total_s = time.perf_counter() - started
        found = db.df("SELECT reason_code, key FROM discrepancies WHERE recon = 'shipping'")
    keys = sorted(found["reason_code"] + " " + found["key"])
    return {"shipping_s": ship_s, "total_s": total_s, "peak_mb": peak_rss_mb(),
            "shipping_findings": keys}


def worker_baseline(db_path: Path) -> dict:
    sys.path.insert(0, str(HERE))
    from pandas_shipping import reconcile_shipping

    from recon_lib.db import Database
    from recon_lib.periods import parse_period

    period = parse_period(PERIOD)
    with Database(db_path, read_only=True) as db:
        tables = {t: db.df(f"SELECT * FROM {t}") for t in
                  ("orders", "order_lines", "shipments", "shipment_lines")}
    started, cpu = time.perf_counter(), time.process_time()
    found = reconcile_shipping(tables, period.start_ts, period.end_ts, sla_hours=48)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    keys = sorted(found["reason_code"] + " " + found["key"])
    return {"shipping_s": elapsed, "cpu_s": cpu, "peak_mb": peak_rss_mb(),
            "shipping_findings": keys}


def memory_cap() -> int:
    """Address space allowed to the baseline worker: the memory available now, less 1 GiB, so
    that on a month too large for pandas it fails with MemoryError instead of waking the kernel's
    OOM killer on a shared machine."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024 - 2**30
    return resource.RLIM_INFINITY


def run_worker(kind: str, db_path: Path) -> dict | None:
    """The worker's numbers; None when the baseline ran out of memory."""
    limit = memory_cap() if kind == "baseline" else resource.RLIM_INFINITY
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--db", str(db_path)],
        capture_output=True, text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    if out.returncode != 0:
        if kind == "baseline" and "MemoryError" in out.stderr:
            print(f"  baseline: out of memory (limit {limit / 2**30:.1f} GiB)", flush=True)
            return None
        raise subprocess.CalledProcessError(out.returncode, out.args, out.stdout, out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(orders: int, workdir: Path) -> dict:
    db_path = workdir / f"bench_{orders}.duckdb"
    started = time.perf_counter()
    rows = prepare(db_path, orders)
    prep_s = time.perf_counter() - started
    engine = run_worker("engine", db_path)
    baseline = run_worker("baseline", db_path)
    n_rows = sum(rows.values())
    ship_rows = n_rows - rows["inventory_movements"]
    result = {
        "orders": orders, "input_rows": n_rows, "prepare_s": round(prep_s, 1),
        "engine_shipping_s": round(engine["shipping_s"], 2),
        "engine_total_s": round(engine["total_s"], 2),
        "engine_rows_per_s": round(n_rows / engine["total_s"]),
        "engine_peak_mb": round(engine["peak_mb"]),
        "findings": len(engine["shipping_findings"]),
    }
    if baseline is not None:
        result.update({
            "baseline_shipping_s": round(baseline["shipping_s"], 2),
            "baseline_rows_per_s": round(ship_rows / baseline["shipping_s"]),
            "baseline_peak_mb": round(baseline["peak_mb"]),
            "ratio_shipping": round(baseline["shipping_s"] / engine["shipping_s"], 2),
            "ratio_total": round(baseline["shipping_s"] / engine["total_s"], 2),
            "same_findings": engine["shipping_findings"] == baseline["shipping_findings"],
        })
    db_path.unlink(missing_ok=True)
    return result


def line(r: dict) -> str:
    engine = (f"{r['orders']:>10,} orders | rows {r['input_rows']:>11,} | engine shipping "
              f"{r['engine_shipping_s']:>6.2f}s, +outbound {r['engine_total_s']:>6.2f}s "
              f"({r['engine_rows_per_s']:>9,} rows/s, peak {r['engine_peak_mb']:>6,} MB)")
    if "baseline_shipping_s" not in r:
        return f"{engine} | pandas shipping: did not fit in memory ({r['findings']} findings)"
    return (f"{engine} | pandas shipping {r['baseline_shipping_s']:>7.2f}s (peak "
            f"{r['baseline_peak_mb']:>6,} MB) | ratio shipping {r['ratio_shipping']:.1f}x, "
            f"shipping+outbound {r['ratio_total']:.1f}x | same findings: "
            f"{r['same_findings']} ({r['findings']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--with-10m", action="store_true", help="also run 10M orders")
    parser.add_argument("--worker", choices=["engine", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if args.worker:
        fn = worker_engine if args.worker == "engine" else worker_baseline
        print(json.dumps(fn(args.db)))
        return 0

    sizes = args.sizes + ([10_000_000] if args.with_10m else [])
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, "
               f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
               f"Python {platform.python_version()}")
    print(f"machine: {machine}")
    results = []
    with tempfile.TemporaryDirectory(prefix="recon-bench-") as tmp:
        for n in sizes:
            r = bench(n, Path(tmp))
            results.append(r)
            print(line(r), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    # a baseline that did not fit in memory has nothing to disagree with
    return 0 if all(r.get("same_findings", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
