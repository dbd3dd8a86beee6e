"""Fixtures of the loader tests: the test profiles, a period folder with every quirk, a database.

Text fixtures are committed under ``tests/fixtures/load/`` (byte-exact: BOM, CRLF, tabs); the
GBK and Excel files are written here from Python values so they stay readable in review.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from recon_lib.db import Database
from recon_lib.load import load_profiles
from recon_lib.periods import parse_period

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "load"
PROFILES_DIR = FIXTURES / "profiles"
REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"

# A courier bill as Excel saves "CSV" on a Chinese Windows: GBK, CRLF, preamble, trailing
# commas, yyyymmdd dates, ￥ and 元 amounts, a "-" placeholder and a 总计 line.
ZTO_BILL = (
    "中通快递对账单\r\n"
    "客户：某某电商,账期：2026年10月\r\n"
    "运单号,账单日期,目的省份,费用类型,计费重量,原价,折扣,结算金额,\r\n"
    "73100000000001,20261005,广东省,运费,1.5,￥8.00,-1.00,7.00,\r\n"
    "73100000000001,20261005,广东省,保价费,,2元,-,2.00,\r\n"
    '73100000000002,20261006,新疆,运费,3,"1,012.00",0,"1,012.00",\r\n'
    "73100000000003,20261007,浙江省,包装费,0.2,3.00,,3.00,\r\n"
    '总计,,,,,,,"1,024.00",\r\n'
)


def write_zto_bill(path: Path) -> Path:
    path.write_bytes(ZTO_BILL.encode("gbk"))
    return path


def write_sf_bill(path: Path) -> Path:
    """A workbook whose first sheet is a summary; the bill has a title above its header."""
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append(["项目", "金额"])
    summary.append(["运费合计", 100])
    sheet = book.create_sheet("账单明细")
    sheet.append(["顺丰速运月结账单（2026年10月）"])
    sheet.append(["月结卡号：0755123456"])
    sheet.append(["运单号码", "寄件日期", "目的地", "费用类型", "计费重量（kg）", "金额", "折扣",
                  "应付金额"])
    sheet.append([1234567890123, "10-05", "广东", "运费", 1.2, 13.0, -1.3, 11.7])
    sheet.append(["0012345678901", datetime(2026, 10, 6, 9, 30), "北京", "保价", None, 2, None, 2])
    sheet.append([1234567890124, 46301, "新疆", "偏远附加", 0.5, 20.445, 0, 20.45])
    sheet["A8"] = "合计"  # row 7 stays blank: the trailer below it is ignored
    sheet["H8"] = 34.15
    book.save(path)
    return path


@pytest.fixture(scope="session")
def builtin():
    """The built-in profiles, as a user gets them."""
    return load_profiles()


@pytest.fixture(scope="session")
def profiles():
    return load_profiles(PROFILES_DIR)


@pytest.fixture(scope="session")
def period():
    return parse_period("2026-10")


@pytest.fixture
def db():
    database = Database(":memory:")
    yield database
    database.close()


@pytest.fixture
def raw_dir(tmp_path) -> Path:
    """``<tmp>/raw`` holding a complete 2026-10 folder, plus files that must be ignored."""
    folder = tmp_path / "raw" / "2026-10"
    folder.mkdir(parents=True)
    for path in (FIXTURES / "good").iterdir():
        shutil.copy(path, folder / path.name)
    write_zto_bill(folder / "zto_bill.csv")
    write_sf_bill(folder / "sf_bill.xlsx")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "~$sf_bill.xlsx").write_bytes(b"lock file")
    (folder / "notes.md").write_text("not data", encoding="utf-8")
    (folder / "_truth").mkdir()
    (folder / "_truth" / "answers.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return tmp_path / "raw"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def profiles_dir() -> Path:
    return PROFILES_DIR


@pytest.fixture(scope="session")
def realdata() -> Path:
    """``../shared/realdata``; tests that need it skip when it is absent (a user's machine)."""
    if not REALDATA.is_dir():
        pytest.skip(f"real-format samples not available: {REALDATA} does not exist")
    return REALDATA


@pytest.fixture(scope="session")
def writers():
    """Functions that write the generated fixtures: ``writers.zto(path)``, ``writers.sf(path)``."""

    class Writers:
        zto = staticmethod(write_zto_bill)
        sf = staticmethod(write_sf_bill)
        zto_text = ZTO_BILL

    return Writers
