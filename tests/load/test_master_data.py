"""Reference data loaded by several periods is held once per key; events stay per period."""

from __future__ import annotations

import pytest

from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.load import load_period
from recon_lib.periods import parse_period
from tests.conftest import with_an_order

HEADER = "商家编码,商品名称,类目,成本价,吊牌价,重量(kg)\n"


def write(folder, period, rows):
    (folder / period).mkdir(parents=True, exist_ok=True)
    (folder / period / "商品资料.csv").write_text(HEADER + "".join(rows), encoding="utf-8-sig")
    with_an_order(folder / period, period)


@pytest.fixture
def db():
    with Database(":memory:") as database:
        yield database


def test_products_from_two_periods_are_held_once_with_the_latest_values(tmp_path, db):
    write(tmp_path, "2026-10", ["SY1,灯,灯具,10.00,30.00,1.0\n", "SY2,盒,收纳,5.00,15.00,0.5\n"])
    write(tmp_path, "2026-11", ["SY1,灯,灯具,12.00,30.00,1.0\n"])   # a new cost for SY1
    load_period(db, parse_period("2026-10"), data_dir=tmp_path)
    load_period(db, parse_period("2026-11"), data_dir=tmp_path)
    rows = db.df("SELECT sku, unit_cost, period FROM products ORDER BY sku")
    assert rows.values.tolist() == [["SY1", 12, "2026-11"], ["SY2", 5, "2026-10"]]
    load_period(db, parse_period("2026-11"), data_dir=tmp_path)   # again: nothing doubles
    assert db.scalar("SELECT count(*) FROM products") == 2
    assert db.scalar("SELECT count(*) FROM orders") == 2   # events stay per period


def test_a_period_of_reference_data_alone_is_refused_and_keeps_its_records(tmp_path, db):
    write(tmp_path, "2026-10", ["SY1,灯,灯具,10.00,30.00,1.0\n"])
    load_period(db, parse_period("2026-10"), data_dir=tmp_path)
    (tmp_path / "2026-10" / "orders.csv").unlink()
    with pytest.raises(InputError, match="only reference data"):
        load_period(db, parse_period("2026-10"), data_dir=tmp_path)
    assert db.scalar("SELECT count(*) FROM orders") == 1
