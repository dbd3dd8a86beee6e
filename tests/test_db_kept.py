"""Database.query_kept: a read-only connection computes a small stored-tables query once per
process while the database file is unchanged; a writable one always runs it."""

from __future__ import annotations

from recon_lib import db as db_module
from recon_lib.db import Database


def _counting(db: Database) -> list[str]:
    names: list[str] = []
    execute = db.execute

    def counted(sql, params=None, *, name="<inline>"):
        names.append(name)
        return execute(sql, params, name=name)

    db.execute = counted
    return names


def test_read_only_keeps_the_result_until_the_file_changes(tmp_path):
    path = tmp_path / "r.duckdb"
    with Database(path):
        pass
    with Database(path, read_only=True) as db:
        names = _counting(db)
        first = db.query_kept("runs_latest_period")
        first["changed"] = 1  # a caller's change does not reach the kept copy
        second = db.query_kept("runs_latest_period")
        assert names == ["runs_latest_period"]
        assert "changed" not in second.columns
    with Database(path, read_only=True) as db:  # another connection, same file: still kept
        names = _counting(db)
        db.query_kept("runs_latest_period")
        assert names == []
    with Database(path) as db:  # a writer: always runs, and the file changes
        names = _counting(db)
        db.query_kept("runs_latest_period")
        db.query_kept("runs_latest_period")
        assert names == ["runs_latest_period"] * 2
        db.execute("CREATE TABLE touched AS SELECT 1 AS x")
        db.execute("CHECKPOINT")
    with Database(path, read_only=True) as db:
        names = _counting(db)
        db.query_kept("runs_latest_period")
        assert names == ["runs_latest_period"]
    db_module._KEPT.clear()
