"""Text from input files stays text in every workbook and CSV we write: never a formula.

The end-to-end tests read the workbooks of a month whose ids and texts start with ``=``, ``+``,
``-``, ``@``, a tab or a CR (tests/hostile_month.py): the exceptions workbook, each courier's
claims workbook, and ``recon register --export`` as .xlsx and .csv. Workbooks are read as a
spreadsheet program reads them: the cell XML, where a formula is an ``<f>`` element.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from recon_lib import register
from recon_lib.cli import main
from recon_lib.db import Database
from recon_lib.errors import EXIT_OK
from recon_lib.formats import FORMULA_START, sheet_text
from recon_lib.report import workbook
from recon_lib.report.claims import workbook_name
from recon_lib.report.workbook import Formula
from tests.hostile_month import PAYLOADS, hostile_month

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
HOSTILE = list(PAYLOADS.values())
STARTS = ["=1+1", "+1+1", "-1+1", "@SUM(1+1)*cmd|'/C calc'!A0", "\t=1+1", "\r=1+1",
          '=HYPERLINK("http://x","click")', "#N/A", "=", "-"]


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return hostile_month(tmp_path_factory)


def cells(path: Path) -> dict[str, list[tuple[str, str | None, str | None, str | None]]]:
    """Every cell of every sheet as stored: (reference, type, formula, value or text)."""
    out = {}
    with zipfile.ZipFile(path) as book:
        names = [n for n in book.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        for name in names:
            root = ElementTree.fromstring(book.read(name))
            found = []
            for c in root.iter(f"{NS}c"):
                f, v = c.find(f"{NS}f"), c.find(f"{NS}v")
                text = "".join(t.text or "" for t in c.iter(f"{NS}t"))
                found.append((c.get("r"), c.get("t"), None if f is None else f.text,
                              text if c.get("t") in ("inlineStr", "s") else
                              (None if v is None else v.text)))
            out[name] = found
    return out


def formulas(path: Path) -> list[tuple[str, str, str | None]]:
    """Every formula: (reference, formula, cached value)."""
    return [(ref, f, v) for sheet in cells(path).values() for ref, _, f, v in sheet
            if f is not None]


def error_cells(path: Path) -> list[tuple[str, str | None]]:
    """Cells stored as spreadsheet errors (#N/A...): text that became something else."""
    return [(ref, v) for sheet in cells(path).values() for ref, t, _, v in sheet if t == "e"]


def texts(path: Path) -> list[str]:
    return [v for sheet in cells(path).values() for _, t, f, v in sheet
            if f is None and t in ("inlineStr", "s") and v is not None]


# -- the writer ----------------------------------------------------------------------------------
def _book_of(values, tmp_path) -> Path:
    with workbook.Book(tmp_path / "w.xlsx") as book:
        ws = book.sheet("values")
        ws.header(["value", "n"])
        ws.rows([(value, -i) for i, value in enumerate(values)], [None, None])
    return tmp_path / "w.xlsx"


def test_text_starting_like_a_formula_is_stored_as_text(tmp_path):
    path = _book_of(STARTS + HOSTILE, tmp_path)
    assert formulas(path) == [] and error_cells(path) == []
    rows = list(load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [sheet_text(v) for v in STARTS + HOSTILE]  # read back as is
    assert [r[1] for r in rows] == [-i for i in range(len(rows))]  # numbers stay numbers


def test_the_check_catches_a_writer_that_lets_formulas_through(tmp_path):
    """The control: plain openpyxl stores the same values as live formulas and error cells."""
    wb = Workbook()
    for value in STARTS:
        wb.active.append([value])
    wb.save(tmp_path / "plain.xlsx")
    assert [f for _, f, _ in formulas(tmp_path / "plain.xlsx")] == [
        "1+1", 'HYPERLINK("http://x","click")']
    assert error_cells(tmp_path / "plain.xlsx") == [("A8", "#N/A")]


def test_our_formulas_carry_their_values(tmp_path):
    path = tmp_path / "f.xlsx"
    with workbook.Book(path) as book:
        ws = book.sheet("sums")
        for n in (1, 2, 3.5):
            ws.row([n])
        ws.row([Formula("=SUM(A1:A3)", 6.5)])
        ws.row([Formula("=A4*2", 13)])
    assert formulas(path) == [("A4", "SUM(A1:A3)", "6.5"), ("A5", "A4*2", "13")]
    cached = load_workbook(path, data_only=True).active
    assert (cached["A4"].value, cached["A5"].value) == (6.5, 13)


def test_a_failed_write_leaves_the_previous_workbook_and_no_half_file(tmp_path):
    path = tmp_path / "x.xlsx"
    with workbook.Book(path) as book:
        book.sheet("one").row(["first"])
    with pytest.raises(ValueError, match="not a formula"), workbook.Book(path) as book:
        ws = book.sheet("one")
        ws.row(["second"])
        ws.row([Formula("SUM(A1)", 1)])
    assert load_workbook(path).active["A1"].value == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]


def test_text_that_looks_like_a_file_format_escape_reads_back_as_itself(tmp_path):
    """``_x0041_`` is how the file format writes the letter A; our writer and Excel escape a
    literal one, and recon resolve's reader decodes it, so a key holding it is still its key."""
    path = tmp_path / "e.xlsx"
    row = {name: f"_x0041_{name}" for name in register.COLUMNS} | {register.VERSION_COLUMN: "v"}
    with workbook.Book(path) as book:
        ws = book.sheet(register.SHEET)
        ws.header(list(row))
        ws.row(list(row.values()))
    [(number, read)] = register._read_sheet(path)
    assert number == 2 and read == row


def test_csv_text_that_a_spreadsheet_would_run_is_prefixed(tmp_path):
    frame = pd.DataFrame({"text": STARTS + HOSTILE, "amount": [-12.5] * len(STARTS + HOSTILE)})
    path = workbook.write_csv(frame, tmp_path / "x.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["text", "amount"]
    for (text, amount), original in zip(rows[1:], STARTS + HOSTILE, strict=True):
        assert text == ("'" + original if original.startswith(FORMULA_START) else original)
        assert amount == "-12.5"  # a real number is not text
    raw = path.read_text(encoding="utf-8-sig")
    assert '"-12.5"' not in raw and '",-12.5' in raw  # numbers unquoted, text quoted


def test_claims_workbook_names_keep_to_the_folder():
    assert workbook_name("SF") == "freight_claims_SF.xlsx"
    for carrier in ("../../etc/x", "a/b\\c", PAYLOADS["carrier"], "", "."):
        name = workbook_name(carrier)
        assert re.fullmatch(r"freight_claims_[A-Za-z0-9_-]+\.xlsx", name), name


# -- every workbook of a hostile month --------------------------------------------------------
def _ours(ref: str, formula: str) -> bool:
    return re.fullmatch(r"SUM\([A-Z]+\d+:[A-Z]+\d+\)", formula) is not None


@pytest.mark.slow
def test_every_workbook_keeps_hostile_text_as_text(month):
    names = {p.name for p in month.workbooks}
    assert "exceptions.xlsx" in names and len(names) >= 3  # and one per carrier with claims
    assert names == {p.name for p in month.out_dir.glob("*.xlsx")}
    shown = set()
    for path in month.workbooks:
        found = formulas(path)
        assert all(_ours(ref, f) for ref, f, _ in found), f"{path.name}: {found}"
        assert error_cells(path) == [], path.name
        assert all(v not in (None, "") for _, _, v in found), f"{path.name}: no cached value"
        for text in texts(path):
            shown |= {k for k, p in PAYLOADS.items() if sheet_text(p) in text}
    assert {"order", "waybill", "carrier", "counterparty", "sku"} <= shown


@pytest.mark.slow
def test_claims_totals_show_numbers_without_calculating(month):
    claims = [p for p in month.workbooks if p.name.startswith("freight_claims_")]
    for path in claims:
        summary = load_workbook(path, data_only=True).worksheets[0]
        rows = [[c.value for c in row] for row in summary.iter_rows()]
        total = next(r for r in rows if str(r[0]).startswith("可索赔合计"))
        lines = rows[3:rows.index(total)]  # title, blank, header, then one line per reason
        # freight claims, then lost and damaged parcels (docs/claims.md)
        assert lines and all(str(r[1]).startswith(("FRT_", "CLM_")) for r in lines)
        assert total[2] == sum(r[2] for r in lines)
        assert total[3] == pytest.approx(sum(r[3] for r in lines))


def _copy_db(month, tmp_path) -> Path:
    target = tmp_path / "recon.duckdb"
    shutil.copy(month.db_path, target)
    return target


@pytest.mark.slow
def test_resolve_reads_hostile_keys_back_as_written(month, tmp_path):
    db_path = _copy_db(month, tmp_path)
    book = tmp_path / "exceptions.xlsx"
    shutil.copy(month.out_dir / "exceptions.xlsx", book)
    with Database(db_path) as db:
        assert register.resolve(db, book).changes == 0  # unedited: every key reads back
        wb = load_workbook(book)
        ws = wb[register.SHEET]
        header = [c.value for c in ws[1]]
        row = next(r for r in range(2, ws.max_row + 1)
                   if str(ws.cell(r, header.index("key") + 1).value).startswith(
                       PAYLOADS["waybill"][:10]))
        ws.cell(row, header.index("status") + 1).value = "written_off"
        wb.save(book)
        assert register.resolve(db, book).changes == 1
        item = ws.cell(row, 1).value
        assert db.scalar("SELECT status FROM register WHERE item_id = $i", {"i": item}) == \
            "written_off"


@pytest.mark.slow
def test_register_export_xlsx_and_csv_keep_hostile_text_as_text(month, tmp_path):
    db = ["--db", str(_copy_db(month, tmp_path)), "--quiet"]
    xlsx, csv_path = tmp_path / "register.xlsx", tmp_path / "register.csv"
    assert main(["register", *db, "--status", "all", "--export", str(xlsx)]) == EXIT_OK
    assert main(["register", *db, "--status", "all", "--export", str(csv_path)]) == EXIT_OK
    assert formulas(xlsx) == [] and error_cells(xlsx) == []
    in_xlsx = texts(xlsx)
    assert any(t.startswith(PAYLOADS["waybill"]) for t in in_xlsx)
    assert any(t.startswith(PAYLOADS["order"]) for t in in_xlsx)
    amounts = [c.value for c in next(load_workbook(xlsx).active.iter_cols(
        min_col=1 + [c.value for c in load_workbook(xlsx).active[1]].index("amount")))][1:]
    assert amounts and all(isinstance(a, int | float) for a in amounts if a is not None)
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    fields = [v for row in rows[1:] for v in row]
    amount = rows[0].index("amount")
    for row in rows[1:]:
        for i, value in enumerate(row):
            if i == amount:
                assert value == "" or isinstance(float(value), float)  # a number, as it was
            else:
                assert not value.startswith(FORMULA_START), (rows[0][i], value)
    assert any(v.startswith("'" + PAYLOADS["waybill"]) for v in fields)
    assert any(v.startswith("'" + PAYLOADS["order"]) for v in fields)


def test_the_register_listing_prints_no_terminal_control_characters():
    from recon_lib.cli_register import _printable

    shown = _printable(pd.DataFrame({"explanation": ["\x1b[2J\x1b]0;owned\x07 bill", None],
                                     "amount": [1.5, 2.0]}))
    assert shown["explanation"].iloc[0] == "\ufffd[2J\ufffd]0;owned\ufffd bill"
    assert pd.isna(shown["explanation"].iloc[1]) and shown["amount"].tolist() == [1.5, 2.0]
