"""Profiles of the merchant's own take part in a run: the project's ``profiles/`` folder is read
automatically, ``--profiles-dir`` adds more, one of a built-in profile's name replaces it, and
``recon profiles new FILE`` writes a starting profile from a file's headers."""

from __future__ import annotations

import shutil

import pytest
import yaml

from recon_lib import config
from recon_lib.cli import main
from recon_lib.db import Database
from recon_lib.demo import write_demo
from recon_lib.errors import EXIT_BAD_INPUT, EXIT_DISCREPANCIES, EXIT_OK
from recon_lib.periods import parse_period

OCT = parse_period("2026-10")
# the refunds file as another ERP exports it: no built-in profile knows these headers
RENAMED = {"退款单号": "退款编号", "订单编号": "原订单号", "退款金额": "退款额", "退款时间": "退款日期"}
MY_REFUNDS = """\
name: my_refunds
table: refunds
description: 我们ERP的退款导出 - our ERP's refunds export.
file_types: [csv]
signature: [退款编号, 原订单号, 退款额]
constants:
  currency: CNY
columns:
  refund_id: {from: 退款编号}
  order_id: {from: 原订单号}
  return_id: {from: 退货单号}
  amount: {from: 退款额}
  refunded_at: {from: 退款日期, formats: ["%Y-%m-%d %H:%M:%S"]}
  channel: {from: 平台, map: {天猫: tmall, 京东: jd, 抖音: douyin, 官网: shop}}
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("userprofiles")
    write_demo(OCT, root / "raw", orders=300, seed=2)
    path = root / "raw" / "2026-10" / "refunds_2026-10.csv"
    text = path.read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    for old, new in RENAMED.items():
        header = header.replace(old, new)
    path.write_text(header + "\n" + rest, encoding="utf-8-sig")
    return root


@pytest.fixture
def home(demo, tmp_path, monkeypatch):
    shutil.copytree(demo / "raw", tmp_path / "raw", ignore=shutil.ignore_patterns("_truth"))
    monkeypatch.setattr(config, "USER_PROFILES_DIR", tmp_path / "profiles")
    return tmp_path


def run(home, *extra) -> int:
    return main(["run", "--period", "2026-10", "--data-dir", str(home / "raw"), "--db",
                 str(home / "recon.duckdb"), "--reports-dir", str(home / "reports"),
                 "--no-report", "--quiet", *extra])


def refunds(home) -> int:
    with Database(home / "recon.duckdb", read_only=True) as db:
        return db.scalar("select count(*) from refunds")


def test_without_a_profile_for_it_the_file_is_refused(home, capsys):
    assert run(home) == EXIT_BAD_INPUT
    assert "refunds_2026-10.csv" in capsys.readouterr().err


def test_a_profile_in_the_projects_profiles_folder_takes_part(home):
    (home / "profiles").mkdir()
    (home / "profiles" / "my_refunds.yaml").write_text(MY_REFUNDS, encoding="utf-8")
    assert run(home) == EXIT_DISCREPANCIES
    assert refunds(home) > 0


def test_a_profile_in_a_profiles_dir_takes_part(home, tmp_path_factory):
    mine = tmp_path_factory.mktemp("mine")
    (mine / "my_refunds.yaml").write_text(MY_REFUNDS, encoding="utf-8")
    assert run(home, "--profiles-dir", str(mine)) == EXIT_DISCREPANCIES
    assert refunds(home) > 0


def test_a_profile_of_a_built_in_name_replaces_the_built_in_one(home):
    (home / "profiles").mkdir()
    (home / "profiles" / "oms_refunds.yaml").write_text(
        MY_REFUNDS.replace("name: my_refunds", "name: oms_refunds"), encoding="utf-8")
    assert run(home) == EXIT_DISCREPANCIES
    assert refunds(home) > 0


def test_two_profiles_of_ones_own_may_not_share_a_name(home, tmp_path_factory, capsys):
    (home / "profiles").mkdir()
    (home / "profiles" / "my_refunds.yaml").write_text(MY_REFUNDS, encoding="utf-8")
    mine = tmp_path_factory.mktemp("mine")
    (mine / "again.yaml").write_text(MY_REFUNDS, encoding="utf-8")
    assert run(home, "--profiles-dir", str(mine)) == EXIT_BAD_INPUT
    assert "'my_refunds' is already used" in capsys.readouterr().err


def test_profiles_new_maps_what_a_built_in_profile_knows_and_lists_the_rest(home, capsys):
    source = home / "raw" / "2026-10" / "oms_orders_2026-10.csv"
    assert main(["profiles", "new", str(source), "--table", "orders", "--name", "our_orders"]) \
        == EXIT_OK
    # a required column (currency) has no header: the profile waits as .yaml.new, unread
    written = home / "profiles" / "our_orders.yaml.new"
    out, err = capsys.readouterr()
    assert out.strip() == str(written)
    assert "map the required column(s) currency" in err
    profile = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert profile["table"] == "orders" and profile["signature"][0] == "订单编号"
    assert profile["columns"]["order_id"] == {"from": "订单编号"}
    assert profile["columns"]["channel"]["map"]["天猫"] == "tmall"
    assert "#  currency: {from: ?}   # required" in written.read_text(encoding="utf-8")
    # written once: a second run asks for another name instead of overwriting it
    assert main(["profiles", "new", str(source), "--table", "orders", "--name",
                 "our_orders"]) == EXIT_BAD_INPUT
    assert "exists already" in capsys.readouterr().err
    # finished by hand (the currency as a constant), it reads the file
    text = written.read_text(encoding="utf-8").replace("columns:\n", "constants:\n  currency: CNY\ncolumns:\n", 1)
    (home / "profiles" / "our_orders.yaml").write_text(text, encoding="utf-8")
    written.unlink()
    assert main(["profiles", "detect", str(source)]) == EXIT_OK
    assert "our_orders (orders)" in capsys.readouterr().out
