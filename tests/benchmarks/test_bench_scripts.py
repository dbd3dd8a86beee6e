"""The benchmark scripts run end to end on a tiny month and check their own comparisons (the
engine and the baseline find the same discrepancies; the integer-id copy stages the same rows).
Nothing here is timed: the numbers they print are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run(script: str, *args: str) -> str:
    out = subprocess.run([sys.executable, str(BENCHMARKS / script), *args],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_bench_recon_runs_and_both_sides_agree():
    assert "same findings: True" in run("bench_recon.py", "--sizes", "2000")


def test_bench_limits_runs_on_a_faithful_integer_copy(tmp_path):
    out = run("bench_limits.py", "--orders", "2000", "--reps", "1", "--json",
              str(tmp_path / "limits.json"))
    assert "integer copy stages the same rows: True" in out
    saved = json.loads((tmp_path / "limits.json").read_text())
    assert set(saved) == {"serial, threads 2", "serial, threads 1", "parallel, threads 2",
                          "pandas baseline", "ids"}
    assert saved["ids"]["text"]["shipping_due"]["rows"] > 1000


def test_bench_month_times_every_step_of_a_run_beside_the_floor(tmp_path):
    out = run("bench_month.py", "--sizes", "1000", "2000", "--no-report", "--cache",
              str(tmp_path / "cache"), "--json", str(tmp_path / "month.json"))
    assert "growth:" in out and "the pandas/calamine read-only floor" in out
    saved = json.loads((tmp_path / "month.json").read_text())
    assert [r["orders"] for r in saved] == [1000, 2000]
    steps = saved[0]["run"]["steps"]
    assert {"load", "reconcile shipping", "reconcile payments", "coverage"} <= set(steps)
    assert saved[0]["floor"]["rows"] > 1000 and saved[0]["run"]["code"] == 1
