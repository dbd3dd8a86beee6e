"""The notebooks as an analyst opens them in JupyterLab: no parameters injected, the default period
and the project's default database. nbval runs every cell (``--nbval-lax``: outputs are not
compared, an exception fails) in a kernel whose project folder (``RECON_HOME``) holds a reconciled
demo month, so a notebook that only works with papermill's parameters fails here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from recon_lib import config
from recon_lib.demo import write_demo
from recon_lib.periods import parse_period
from recon_lib.pipeline import run_period

DEFAULT_PERIOD = "2026-10"  # the value of every notebook's ``period`` parameter


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    period = parse_period(DEFAULT_PERIOD)
    write_demo(period, home / "data" / "raw", orders=600, seed=3)
    run_period(period, data_dir=home / "data" / "raw", reports_dir=home / "reports",
               db_path=home / "data" / "processed" / "recon.duckdb", render=False)
    return home


def test_every_notebook_defaults_to_the_demo_period():
    for path in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        [params] = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
        assert f'period = "{DEFAULT_PERIOD}"' in "".join(params["source"]), path.name


def test_every_notebook_runs_as_opened(home):
    notebooks = sorted(str(p) for p in config.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert len(notebooks) >= 9
    env = {**os.environ, "RECON_HOME": str(home), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(home), *notebooks],
        cwd=home, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout[-2000:]
