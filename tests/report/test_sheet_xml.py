"""Cells written a column at a time (report/sheet_xml.py) read back as the values written, the
same as written one by one, and text stays text however it is spelled."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from recon_lib.formats import MAX_CELL_TEXT
from recon_lib.report import workbook
from recon_lib.report.sheet_xml import excel_serial
from recon_lib.report.workbook import Formula, Style

RICH = "<r><t>x</t></r>"
INJECTED = ('<r><t>a</t></r></is></c><c r="Z1"><f>HYPERLINK("http://x","click")</f><v>0</v></c>'
            '<c r="Z2" t="inlineStr"><is><r><t>b</t></r>')
TEXTS = ["plain", " leading", "trailing ", "全角空格\u3000", 'a&b<c>d"e', "_x0041_", RICH, INJECTED,
         "=1+1", "line\r\nbreak\rcr", "ctl\x01\x0b", "emoji😀", ""]
READ_BACK = ["plain", " leading", "trailing ", "全角空格\u3000", 'a&b<c>d"e', "_x0041_", RICH,
             INJECTED, "=1+1", "line\nbreak\ncr", "ctl\ufffd\ufffd", "emoji😀", ""]


def _write(path, frame, styles, how):
    with workbook.Book(path) as book:
        ws = book.sheet("S")
        ws.header(list(frame.columns))
        if how == "frame":
            ws.frame(frame, styles)
        else:
            ws.rows(frame.itertuples(index=False, name=None), styles)
        ws.freeze(1)
        ws.filter(1, ws.last_row, frame.shape[1])
    return path


def _cells(path):
    ws = load_workbook(path)["S"]
    return [[(c.value, c.data_type, c.number_format, bool(c.font.b)) for c in row]
            for row in ws.iter_rows(min_row=2)]


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


@pytest.mark.parametrize("how", ["frame", "rows"])
def test_text_reads_back_as_itself(tmp_path, how):
    path = _write(tmp_path / "t.xlsx", pd.DataFrame({"text": TEXTS}), [None], how)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert [r[0] for r in rows[1:]] == READ_BACK
    assert {row[0][1] for row in _cells(path)} == {"s"}  # every one a text cell
    assert "<f>" not in _sheet_xml(path)  # the injected formula stayed text


def test_long_text_is_cut_at_excel_limit_in_utf16_units(tmp_path):
    frame = pd.DataFrame({"text": ["x" * (MAX_CELL_TEXT + 10), "😀" * MAX_CELL_TEXT]})
    for how in ("frame", "rows"):
        path = _write(tmp_path / f"{how}.xlsx", frame, [None], how)
        plain, emoji = (row[0][0] for row in _cells(path))
        assert plain == "x" * MAX_CELL_TEXT
        assert emoji == "😀" * (MAX_CELL_TEXT // 2)


def _typed_frame() -> pd.DataFrame:
    n = 6
    return pd.DataFrame({
        "text": ["a", " b", None, "c&d", "_x0030_", "e"],
        "float": [0.1, 0.30000000000000004, np.nan, float("inf"), -2.5, 1e16],
        "int": np.arange(n, dtype="int64") - 2,
        "decimal": [Decimal("1.23"), None, Decimal("NaN"), Decimal("-0.01"), Decimal("5"),
                    Decimal("1234567.89")],
        "stamp": pd.to_datetime([datetime(2026, 10, 1, 13, 45, 30), None,
                                 datetime(1900, 2, 28), datetime(1900, 3, 1),
                                 datetime(2026, 12, 31, 23, 59, 59, 500000),
                                 datetime(2026, 1, 1)]),
        "flag": [True, False, True, False, True, False],
        "mixed": ["x", 1, 2.5, date(2026, 2, 2), time(12, 30), None],
    })


STYLES = [None, Style(number=workbook.MONEY), Style(bold=True), Style(number=workbook.MONEY),
          None, None, Style(fill="#FFEEDD")]


def test_a_column_at_a_time_writes_what_one_by_one_writes(tmp_path):
    frame = _typed_frame()
    by_column = _cells(_write(tmp_path / "frame.xlsx", frame, STYLES, "frame"))
    one_by_one = _cells(_write(tmp_path / "rows.xlsx", frame.astype(object), STYLES, "frame"))
    from_records = _cells(_write(tmp_path / "records.xlsx", frame, STYLES, "rows"))
    assert by_column == one_by_one == from_records
    first = by_column[0]
    assert first[0] == ("a", "s", "General", False)
    assert first[1] == (0.1, "n", workbook.MONEY, False)
    assert first[2] == (-2, "n", "General", True)
    assert first[3] == (1.23, "n", workbook.MONEY, False)
    assert first[4] == (datetime(2026, 10, 1, 13, 45, 30), "d", "yyyy-mm-dd hh:mm:ss", False)
    assert first[5] == (True, "b", "General", False)
    # missing and non-finite numbers are empty cells, keeping their column's format
    assert [row[1][0] for row in by_column] == [0.1, 0.30000000000000004, None, None, -2.5, 1e16]
    assert by_column[2][1][2] == workbook.MONEY
    assert [row[3][0] for row in by_column] == [1.23, None, None, -0.01, 5, 1234567.89]
    assert by_column[1][4][0] is None
    mixed = [row[6][0] for row in by_column]
    assert mixed[:3] == ["x", 1, 2.5] and mixed[3] == datetime(2026, 2, 2) and mixed[5] is None
    assert by_column[3][6][2] == "yyyy-mm-dd" and by_column[4][6][2] == "hh:mm:ss"


def test_excel_serial_matches_xlsxwriter():
    from xlsxwriter.utility import _datetime_to_excel_datetime

    for value in (datetime(2026, 10, 1, 13, 45, 30, 250000), datetime(1900, 2, 28),
                  datetime(1900, 3, 1), date(2026, 1, 31), time(6, 0), time(23, 59, 59)):
        assert excel_serial(value) == pytest.approx(
            _datetime_to_excel_datetime(value, False, True), abs=1e-12)


def test_formulas_keep_their_cached_value_and_rows_continue_after_a_frame(tmp_path):
    path = tmp_path / "f.xlsx"
    with workbook.Book(path) as book:
        ws = book.sheet("S")
        ws.header(["what", "amount"])
        ws.frame(pd.DataFrame({"what": ["a", "b"], "amount": [1.5, 2.25]}),
                 [None, Style(number=workbook.MONEY)])
        ws.skip()
        ws.row(["合计 Total", Formula("=SUM(B2:B3)", 3.75)],
               [None, Style(number=workbook.MONEY, bold=True)])
    values = load_workbook(path, data_only=True)["S"]
    formulas = load_workbook(path)["S"]
    assert [c.value for c in values[5]] == ["合计 Total", 3.75]
    assert formulas["B5"].value == "=SUM(B2:B3)" and formulas["B5"].font.b
    assert values.max_row == 5 and values.dimensions == "A1:B5"
    with pytest.raises(ValueError, match="not a formula"), workbook.Book(tmp_path / "x.xlsx") as b:
        b.sheet("S").row([Formula("SUM(A1)", 1)])
    assert not (tmp_path / "x.xlsx").exists()


def test_large_frames_are_written_in_batches_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "_BATCH_ROWS", 7)
    frame = pd.DataFrame({"n": np.arange(30), "t": [f"r{i}" for i in range(30)]})
    path = _write(tmp_path / "b.xlsx", frame, [None, None], "frame")
    rows = _cells(path)
    assert [r[0][0] for r in rows] == list(range(30))
    assert [r[1][0] for r in rows] == [f"r{i}" for i in range(30)]
