"""Shared fixtures: an in-memory database and a readable way to put rows in it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from recon_lib import schema
from recon_lib.db import Database

# No time limit per example: a busy machine made hypothesis' 200 ms deadline fail a correct
# test. Speed is measured by benchmarks/, never asserted in tests.
settings.register_profile("recon", deadline=None)
settings.load_profile("recon")

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


ORDERS_HEADER = ("订单编号,平台,店铺名称,订单状态,下单时间,付款时间,取消时间,收货人,联系电话,省,市,"
                 "详细地址,商品金额,运费,优惠金额,实付金额\n")


def with_an_order(folder: Path, period: str = "2026-10") -> None:
    """Add a one-order file to a period folder: a period is loaded with its records, and
    reference data alone (products, rate cards) is refused as a period (docs/coverage.md)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text(
        ORDERS_HEADER + f"T{period},天猫,店,交易成功,{period}-15 10:00:00,{period}-15 10:05:00,,"
        f"张三,13800000000,广东,广州市,路1号,10.00,0.00,0.00,10.00\n", encoding="utf-8-sig")


@pytest.fixture(scope="session")
def written(tmp_path_factory) -> tuple[Path, Path]:
    """A reconciled demo month's database and the exceptions workbook of its run (shared by the
    resolve and pending-edit tests; copy the database before changing it)."""
    from recon_lib.demo import build_month
    from recon_lib.demo.frames import insert_month
    from recon_lib.periods import parse_period
    from recon_lib.pipeline import reconcile_period
    from recon_lib.report.exceptions import write_exceptions

    october = parse_period("2026-10")
    folder = tmp_path_factory.mktemp("written")
    with Database(folder / "recon.duckdb") as database:
        insert_month(database, build_month(october, orders=400, seed=5))
        reconcile_period(database, october)
        book = write_exceptions(database, october, folder / "out")
    return folder / "recon.duckdb", book
