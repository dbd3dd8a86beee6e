"""The one place SQL runs: settings every connection gets."""

from __future__ import annotations

from recon_lib.db import Database


def test_no_progress_bar_is_drawn_on_the_output(tmp_path):
    # DuckDB would draw one on the process's stdout for any query over 2 s (a million orders'
    # month), in the middle of `recon run`'s output; read-only connections (the notebooks') too
    with Database(tmp_path / "r.duckdb") as db:
        assert db.scalar("SELECT current_setting('enable_progress_bar')") is False
    with Database(tmp_path / "r.duckdb", read_only=True) as db:
        assert db.scalar("SELECT current_setting('enable_progress_bar')") is False
