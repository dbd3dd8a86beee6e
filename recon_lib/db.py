"""The DuckDB connection and the one place SQL runs.

Named queries live in ``recon_lib/sql/<name>.sql`` (one query per file); values are bound as
``$name`` parameters, never pasted into the text. Every failure is raised as a
:class:`~recon_lib.errors.QueryError` naming the query and its parameters.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager, suppress
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from recon_lib import config, schema
from recon_lib.errors import InputError, QueryError

log = logging.getLogger(__name__)


@cache
def sql_text(name: str) -> str:
    """The text of the named query ``sql/<name>.sql``."""
    try:
        return resources.files("recon_lib.sql").joinpath(f"{name}.sql").read_text("utf-8")
    except FileNotFoundError:
        raise QueryError(name, None, "no such query file in recon_lib/sql/") from None


def has_query(name: str) -> bool:
    """Whether ``sql/<name>.sql`` exists (optional queries, e.g. ``<recon>_uncheckable``)."""
    return resources.files("recon_lib.sql").joinpath(f"{name}.sql").is_file()


_KEPT: dict = {}
"""Results of :meth:`Database.query_kept`, for one database file as it was (``"file"``)."""


class Database:
    """A DuckDB database holding the canonical tables, results and the register."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else config.DEFAULT_DB
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise InputError(f"cannot open database {self.path}: {exc}") from None
        # DuckDB draws a progress bar on the process's own stdout for queries over 2 s: at a
        # million orders it lands in the middle of `recon run`'s output and logs. In a Jupyter
        # kernel without ipywidgets DuckDB refuses the setting, and draws no bar there either.
        with suppress(duckdb.Error):
            self.con.execute("SET enable_progress_bar = false")
        self.read_only = read_only
        if not read_only:
            self.ensure_schema()

    # -- running SQL --------------------------------------------------------------------------
    def execute(self, sql: str, params: dict[str, Any] | None = None, *, name: str = "<inline>"):
        """Run one statement; the one place SQL errors are caught and named."""
        try:
            return self.con.execute(sql, params or {})
        except duckdb.Error as exc:
            raise QueryError(name, params, str(exc).strip()) from None

    def value(self, name: str, **params: Any) -> Any:
        """The single value of the named query (first column of its first row), or None."""
        row = self.execute(sql_text(name), params, name=name).fetchone()
        return None if row is None else row[0]

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the named query from ``sql/<name>.sql`` and return its rows."""
        return self.execute(sql_text(name), params, name=name).df()

    def query_kept(self, name: str, **params: Any) -> pd.DataFrame:
        """:meth:`query` for a query of stored tables only (no staged temp table) whose result
        is small, kept in this process while the database file is unchanged, for read-only
        connections: the report pages that show the same analytics (the carrier scorecard on
        the freight, service and carrier-choice pages) compute it once per worker. A copy is
        returned, so callers may change it. A writable connection always runs the query."""
        try:
            stat = self.path.stat() if self.read_only else None
        except OSError:
            stat = None
        if stat is None:
            return self.query(name, **params)
        file = (str(self.path.resolve()), stat.st_mtime_ns, stat.st_size)
        if _KEPT.get("file") != file:
            _KEPT.clear()
            _KEPT["file"] = file
        key = (name, tuple(sorted((k, repr(v)) for k, v in params.items())))
        if key not in _KEPT:
            _KEPT[key] = self.query(name, **params)
        return _KEPT[key].copy()

    def run(self, name: str, **params: Any) -> None:
        """Run the named statement (DDL / DML) from ``sql/<name>.sql``."""
        self.execute(sql_text(name), params, name=name)

    def df(self, sql: str, params: dict[str, Any] | None = None, *, name: str = "<inline>"):
        return self.execute(sql, params, name=name).df()

    def scalar(self, sql: str, params: dict[str, Any] | None = None, *, name: str = "<inline>"):
        row = self.execute(sql, params, name=name).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self):
        """All or nothing: on any error the database is left as it was."""
        self.execute("BEGIN TRANSACTION", name="begin")
        try:
            yield self
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.execute("COMMIT", name="commit")

    # -- schema -------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        for tbl in schema.TABLES.values():
            self.execute(schema.create_table_sql(tbl), name=f"create {tbl.name}")
        # a database made by an earlier version keeps its rows and gains the columns added since
        present = set(self.execute(sql_text("schema_columns"), name="schema_columns").fetchall())
        for tbl in schema.TABLES.values():
            for col in schema.all_columns(tbl):
                if (tbl.name, col.name) not in present:
                    log.info("adding column %s.%s to %s", tbl.name, col.name, self.path)
                    self.execute(schema.add_column_sql(tbl, col),
                                 name=f"add {tbl.name}.{col.name}")
        self.run("create_macros_shared")   # before create_results: its macros may use them
        self.run("create_macros_pricing")   # the one rate-card pricing rule (freight, carriers)
        self.run("create_results")
        self.run("create_coverage")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
