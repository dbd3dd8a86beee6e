"""The same data twice in one load: a copy, a re-save, a bill that overlaps another. Lines that
repeat inside one file are real double billing and load."""

from __future__ import annotations

import dataclasses
import shutil

import openpyxl
import pytest

from recon_lib import schema
from recon_lib.errors import InputError
from recon_lib.load import load_period
from recon_lib.load.loader import OVERLAP_LINES
from recon_lib.periods import parse_period

HEADER = "运单号,账单日期,目的省份,费用类型,计费重量,原价,折扣,结算金额\n"
OVERLAP = ("loading both would count those records twice (an export of days another file "
           "already covers?); keep one of the two, or export one again without the shared days")


def line(day: int, n: int) -> str:
    """Line ``n`` of day ``day`` of a ZTO bill (the test_zto_bill layout)."""
    return f"7310{day:04d}{n:06d},202610{day:02d},广东省,运费,1.5,8.00,-1.00,7.00\n"


def days(first: int, last: int, per_day: int = 2) -> list[str]:
    return [line(d, n) for d in range(first, last + 1) for n in range(per_day)]


def bill(path, lines: list[str], newline: str = "\n"):
    path.write_bytes((HEADER + "".join(lines)).replace("\n", newline).encode("utf-8"))
    return path


def counts(db) -> dict[str, int]:
    return {name: db.scalar(f"SELECT count(*) FROM {name}") for name in schema.TABLES}


@pytest.fixture
def month(tmp_path, fixtures_dir):
    """``<tmp>/2026-10`` with the tickets fixture (2 rows), so a bill is not its only file."""
    folder = tmp_path / "2026-10"
    folder.mkdir()
    shutil.copy(fixtures_dir / "good" / "tickets.csv", folder / "tickets.csv")
    return folder


def refused(db, period, data_dir, profiles) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as err:
        load_period(db, period, data_dir, profiles)
    assert "nothing was changed" in str(err.value)
    return [(p.file, p.message) for p in err.value.problems]


def loaded_then_refused(db, period, month, profiles, add) -> list[tuple[str, str]]:
    """Load the month, ``add(folder)`` files, expect a refusal that leaves every table as it was."""
    load_period(db, period, month.parent, profiles)
    before = counts(db)
    add(month)
    problems = refused(db, period, month.parent, profiles)
    assert counts(db) == before
    return problems


def test_the_same_bill_saved_again_with_other_line_ends_is_refused(db, period, month, profiles,
                                                                   writers):
    writers.zto(month / "zto_bill.csv")  # GBK, CRLF, a title and a 总计 line

    def add(folder):
        text = writers.zto_text.replace("\r\n", "\n")  # the same bill, re-saved as UTF-8 with LF
        (folder / "zto_bill_lf.csv").write_text(text, encoding="utf-8")

    assert loaded_then_refused(db, period, month, profiles, add) == [(
        "zto_bill_lf.csv", "the same 4 lines as zto_bill.csv once read (the same data saved "
                           "again, e.g. as .xlsx and .csv or with other line ends): loading both "
                           "would count each of them twice; take one of the two out of the "
                           "folder")]


def test_the_same_bill_as_xlsx_and_csv_is_refused(db, period, month, profiles):
    both = dataclasses.replace(profiles["test_zto_bill"], file_types=("csv", "xlsx"))
    profiles = [*(p for p in profiles.values() if p.name != "test_zto_bill"), both]
    lines = days(1, 3)
    bill(month / "bill.csv", lines)

    def add(folder):
        book = openpyxl.Workbook()
        book.active.append(HEADER.strip().split(","))
        for text in lines:  # numbers as numbers, as Excel keeps them
            cells = text.strip().split(",")
            book.active.append([int(cells[0]), int(cells[1]), cells[2], cells[3],
                                *(float(c) for c in cells[4:])])
        book.save(folder / "bill.xlsx")

    assert loaded_then_refused(db, period, month, profiles, add) == [(
        "bill.xlsx", "the same 6 lines as bill.csv once read (the same data saved again, e.g. as "
                     ".xlsx and .csv or with other line ends): loading both would count each of "
                     "them twice; take one of the two out of the folder")]


def test_a_bill_of_days_another_bill_covers_is_refused_naming_both(db, period, month, profiles):
    bill(month / "bill_b.csv", days(1, 31))  # the whole month, 62 lines

    def add(folder):
        bill(folder / "bill_a.csv", days(1, 20))  # the 1st-20th, exported earlier

    assert loaded_then_refused(db, period, month, profiles, add) == [(
        "bill_b.csv", f"bill_a.csv and bill_b.csv share 40 of their lines (bill_a.csv: 40 lines, "
                      f"bill_b.csv: 62): {OVERLAP}")]


def test_bills_that_overlap_by_some_days_are_refused(db, period, month, profiles):
    bill(month / "zto_1.csv", days(1, 20))  # 40 lines

    def add(folder):
        bill(folder / "zto_2.csv", days(15, 31))  # 34 lines, the 15th-20th again: 12 shared

    assert loaded_then_refused(db, period, month, profiles, add) == [(
        "zto_2.csv", f"zto_1.csv and zto_2.csv share 12 of their lines (zto_1.csv: 40 lines, "
                     f"zto_2.csv: 34): {OVERLAP}")]


@pytest.mark.parametrize("shared", [1, OVERLAP_LINES - 1])
def test_a_few_lines_on_two_bills_load_as_double_billing(db, period, month, profiles, shared):
    first = days(1, 15)  # 30 lines
    bill(month / "zto_1.csv", first)
    bill(month / "zto_2.csv", days(16, 31) + first[:shared])  # billed again on the second bill
    report = load_period(db, period, month.parent, profiles)
    assert report.tables["courier_bill_lines"] == 62 + shared
    repeated = db.scalar("SELECT count(*) FROM (SELECT waybill_no FROM courier_bill_lines "
                         "GROUP BY waybill_no HAVING count(*) > 1)")
    assert repeated == shared  # the freight reconciliation reports them as FRT_DUPLICATE


def test_as_many_shared_lines_as_the_threshold_are_an_overlap(db, period, month, profiles):
    first = days(1, 15)
    bill(month / "zto_1.csv", first)
    bill(month / "zto_2.csv", days(16, 31) + first[:OVERLAP_LINES])
    problems = refused(db, period, month.parent, profiles)
    assert [f for f, _ in problems] == ["zto_2.csv"]
    assert f"share {OVERLAP_LINES} of their lines" in problems[0][1]


def test_identical_lines_inside_one_file_load(db, period, month, profiles):
    lines = days(1, 3)
    bill(month / "zto.csv", lines + lines[:2])  # the courier billed two lines twice
    bill(month / "other.csv", days(4, 6))
    report = load_period(db, period, month.parent, profiles)
    assert report.tables["courier_bill_lines"] == 14


def test_a_byte_copy_is_still_called_a_copy(db, period, month, profiles):
    bill(month / "bill.csv", days(1, 3))
    shutil.copy(month / "bill.csv", month / "bill (1).csv")
    assert refused(db, period, month.parent, profiles) == [(
        "bill.csv", "the same content as bill (1).csv: loading both would count each of its 6 "
                    "records twice; take one of the two out of the folder")]


def test_three_copies_are_two_problems(db, period, month, profiles):
    for name in ("a.csv", "b.csv", "c.csv"):
        bill(month / name, days(1, 2), newline="\r\n" if name == "b.csv" else "\n")
    problems = refused(db, period, month.parent, profiles)
    assert [(f, m.split(":")[0]) for f, m in problems] == [
        ("b.csv", "the same 4 lines as a.csv once read (the same data saved again, e.g. as .xlsx "
                  "and .csv or with other line ends)"),
        ("c.csv", "the same content as a.csv")]


def test_a_keyed_table_sharing_one_line_is_refused(db, period, month, profiles):
    (month / "tickets_again.csv").write_text(
        "工单号,订单号,渠道,工单类型,创建时间,是否重开\nTK-1,2026100512345,天猫,质量,46300,是\n"
        "TK-9,,京东,咨询,46301,否\n", encoding="utf-8")
    problems = refused(db, period, month.parent, profiles)
    assert ("tickets_again.csv", "tickets.csv and tickets_again.csv share 1 of their lines "
                                 f"(tickets.csv: 2 lines, tickets_again.csv: 2): {OVERLAP}") \
        in problems


def test_the_same_bill_in_two_day_folders_is_refused(db, tmp_path, profiles):
    for day in ("2026-10-05", "2026-10-06"):
        (tmp_path / day).mkdir()
        bill(tmp_path / day / "zto.csv", [line(5, n) for n in range(3)])
    problems = refused(db, parse_period("2026-W41"), tmp_path, profiles)
    assert ("2026-10-06/zto.csv", "the same content as 2026-10-05/zto.csv: loading both would "
                                  "count each of its 3 records twice; take one of the two out of "
                                  "the folder") in problems


def test_reference_data_may_repeat(db, tmp_path, fixtures_dir, profiles, builtin):
    """The same product list in every day folder of a week: it replaces by key."""
    products = "商家编码,商品名称,类目,成本价,吊牌价,重量(kg)\nSY1,灯,灯具,10.00,30.00,1.0\n"
    for day in ("2026-10-05", "2026-10-06"):
        (tmp_path / day).mkdir()
        (tmp_path / day / "商品资料.csv").write_text(products, encoding="utf-8")
    shutil.copy(fixtures_dir / "good" / "tickets.csv", tmp_path / "2026-10-05" / "tickets.csv")
    report = load_period(db, parse_period("2026-W41"), tmp_path,
                         [*profiles.values(), builtin["erp_products"]])
    assert report.tables["products"] == 2
    assert db.scalar("SELECT count(*) FROM products") == 1  # replaced by key
