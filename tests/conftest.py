"""Shared fixtures: an in-memory database and a readable way to put rows in it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recon_lib import schema
from recon_lib.db import Database

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.fixture
def db():
    database = Database(":memory:")
    yield database
    database.close()


def insert(db: Database, table: str, rows: list[dict], period: str = "2026-10") -> None:
    """Insert rows given as dicts of canonical columns; absent columns are NULL."""
    cols = [c.name for c in schema.all_columns(schema.table(table))]
    frame = pd.DataFrame(
        [{**{c: None for c in cols}, "period": period, "source_file": f"{table}.csv",
          "source_row": i + 2, **row} for i, row in enumerate(rows)],
        columns=cols,
    ).astype(object)
    db.con.register("_rows", frame)
    try:
        db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows", name=f"insert {table}")
    finally:
        db.con.unregister("_rows")
