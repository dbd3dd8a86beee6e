"""Benchmark: a whole `recon run` of a demo month, step by step, beside a read-only floor.

    python benchmarks/bench_month.py                       # 100k and 300k orders
    python benchmarks/bench_month.py --sizes 1000000       # the month the product is for
    python benchmarks/bench_month.py --no-report           # load + reconcile + alerts only
    python benchmarks/bench_month.py --json month.json     # also write the numbers

For each size the demo month is written once into a cache folder (``--cache``, default
``benchmarks/.cache``; the time it took is printed, not part of the ratios). Then, each in a
fresh subprocess so that peak memory is its own:
  * run    - ``recon run --timings`` on that folder into a new database: seconds per step (load,
             each reconciliation, coverage, register, workbooks, each report page), peak RSS;
  * floor  - what reading the same raw files costs without recon_lib: pandas ``read_csv`` of
             every CSV (pyarrow engine) and python-calamine for every workbook, into DataFrames;
             and DuckDB ``read_csv`` of the same CSVs decoded to UTF-8 (decoding not timed).
It prints each step's share and rows per second, the loader as a multiple of the floor, and, with
two sizes or more, the growth per 100k orders. Nothing is asserted on times (see README.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PERIOD = "2026-10"


def _python(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object on a line of its own
    (the report's worker processes may write to the same stdout, even after it)."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{out.stdout}\n{out.stderr}")
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"benchmark step printed no result:\n{out.stdout}\n{out.stderr}")


PEAK = """
def peak_mb():
    from pathlib import Path
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return 0.0
"""

RUN = PEAK + """
import contextlib, io, json, sys, time
from recon_lib.cli import main
raw, db, reports, render = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == '1'
argv = ['run', '--period', '2026-10', '--data-dir', raw, '--db', db, '--reports-dir', reports,
        '--timings', '--quiet'] + ([] if render else ['--no-report'])
out = io.StringIO()
started = time.perf_counter()
with contextlib.redirect_stdout(out):
    code = main(argv)
wall = time.perf_counter() - started
steps = {}
for line in out.getvalue().splitlines():
    if line.startswith('TIME ') and not line.startswith('TIME total'):
        name, seconds = line[5:].rsplit(' s ', 1)[0].rsplit(None, 1)
        steps[name.strip()] = float(seconds)
print(json.dumps({'code': code, 'wall': wall, 'steps': steps, 'peak_mb': peak_mb()}))
"""

FLOOR = PEAK + """
import json, sys, time
from pathlib import Path
import pandas as pd
from python_calamine import CalamineWorkbook
folder = Path(sys.argv[1])
rows, started = 0, time.perf_counter()
for path in sorted(folder.iterdir()):
    suffix = path.suffix.lower()
    if suffix in ('.csv', '.txt'):
        for encoding in ('utf-8-sig', 'gb18030'):
            try:
                frame = pd.read_csv(path, dtype=str, encoding=encoding, on_bad_lines='skip',
                                    engine='python' if encoding == 'gb18030' else 'pyarrow')
                break
            except Exception:
                continue
        rows += len(frame)
    elif suffix in ('.xlsx', '.xls'):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            data = book.get_sheet_by_name(name).to_python()
            rows += len(pd.DataFrame(data[1:]))
pandas_s = time.perf_counter() - started
import duckdb
decoded, tmp = [], Path(sys.argv[2])
for path in sorted(folder.iterdir()):
    if path.suffix.lower() in ('.csv', '.txt'):
        data = path.read_bytes()
        for encoding in ('utf-8-sig', 'gb18030'):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        target = tmp / path.name
        target.write_text(text, encoding='utf-8')
        decoded.append(target)
con = duckdb.connect()
started = time.perf_counter()
for path in decoded:
    con.execute("select count(*) from read_csv(?, all_varchar=true, ignore_errors=true, "
                "null_padding=true)", [str(path)]).fetchone()
duck_s = time.perf_counter() - started
print(json.dumps({'pandas_s': pandas_s, 'duckdb_s': duck_s, 'rows': rows, 'peak_mb': peak_mb()}))
"""


def write_month(orders: int, cache: Path) -> tuple[Path, float | None]:
    """The demo month of ``orders`` orders, written once (seconds, or None when cached)."""
    raw = cache / f"orders-{orders}"
    if (raw / PERIOD).is_dir():
        return raw, None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "recon_lib.cli", "demo", "--period", PERIOD,
                    "--orders", str(orders), "--data-dir", str(raw), "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    return raw, time.perf_counter() - started


def measure(orders: int, cache: Path, render: bool) -> dict:
    raw, demo_s = write_month(orders, cache)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run = _python(RUN, str(raw), str(tmp / "recon.duckdb"), str(tmp / "reports"),
                      "1" if render else "0")
        (tmp / "decoded").mkdir()
        floor = _python(FLOOR, str(raw / PERIOD), str(tmp / "decoded"))
    if run["code"] > 1:
        raise SystemExit(f"recon run exited {run['code']} on the {orders:,}-order month")
    return {"orders": orders, "demo_s": demo_s, "run": run, "floor": floor}


def report(results: list[dict]) -> str:
    lines = []
    for r in results:
        run, floor = r["run"], r["floor"]
        total = sum(run["steps"].values()) or 1.0
        rows = floor["rows"]
        lines.append(f"\n{r['orders']:,} orders ({rows:,} raw rows): recon run {run['wall']:.1f} s "
                     f"wall, peak {run['peak_mb']:,.0f} MB"
                     + (f"; demo written in {r['demo_s']:.0f} s" if r["demo_s"] else ""))
        for step, seconds in run["steps"].items():
            lines.append(f"  {step:<24} {seconds:8.2f} s {seconds / total:6.1%}")
        load = run["steps"].get("load", 0.0)
        lines.append(f"  loader: {rows / load:,.0f} rows/s; {load / floor['pandas_s']:.1f}x the "
                     f"pandas/calamine read-only floor ({floor['pandas_s']:.2f} s), "
                     f"{load / floor['duckdb_s']:.1f}x DuckDB read_csv of the decoded CSVs "
                     f"({floor['duckdb_s']:.2f} s)" if load else "  loader: not timed")
    if len(results) > 1:
        a, b = results[0], results[-1]
        per = (b["orders"] - a["orders"]) / 100_000
        growth = (b["run"]["wall"] - a["run"]["wall"]) / per
        lines.append(f"\ngrowth: {growth:.1f} s per 100k orders of whole run "
                     f"({a['orders']:,} -> {b['orders']:,})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--cache", type=Path, default=HERE / ".cache",
                        help="where the demo months are written once and kept")
    parser.add_argument("--no-report", action="store_true", help="skip workbooks and pages")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args(argv)
    print(f"{platform.machine()}, {platform.python_version()}, sizes {args.sizes}")
    results = [measure(n, args.cache, not args.no_report) for n in args.sizes]
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
