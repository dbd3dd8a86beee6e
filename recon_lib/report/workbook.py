"""Every workbook and CSV we write goes through here, so text from input files stays text.

Spreadsheet programs run a cell that starts with ``=`` (and, when typed or imported from CSV,
``+``, ``-``, ``@``, a tab or a carriage return) as a formula: ``=HYPERLINK("http://x","click")``
in a waybill or a counterparty's name would become a live link in a workbook we send to a courier,
and ``@SUM(1+1)*cmd|'/C calc'!A0`` in a CSV a command. So:

- :func:`put` and :func:`append` write every cell of every workbook: text is always a string
  cell (openpyxl ``data_type='s'``), whatever it starts with, so it reads back as the same text;
  numbers, dates and booleans keep their types. Our own formulas (totals) are :class:`Formula`
  values, written with their cached result by :func:`save`, so a viewer that does not calculate
  (a previewer, pandas, openpyxl's ``data_only``) shows the number.
- :func:`write_csv` prefixes such text with ``'`` (``formats.csv_text``) and quotes every text
  field, as OWASP's CSV injection guidance recommends; real numbers are written as numbers.
- A text cell holds ``formats.sheet_text(value)`` (characters XML cannot carry replaced, cut at
  Excel's 32,767): ``recon resolve`` compares the register with the same, so a key reads back as
  itself.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from weakref import WeakKeyDictionary

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from recon_lib.formats import csv_text, plain, sheet_text

HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")


@dataclass(frozen=True)
class Formula:
    """One of our own formulas and the value it gives, e.g. ``Formula("=SUM(D4:D9)", 412.5)``."""

    text: str
    value: float | int


_cached: WeakKeyDictionary[Worksheet, dict[str, float | int]] = WeakKeyDictionary()


def _cell(ws: Worksheet, value) -> Cell:
    cell = Cell(ws)
    _set(cell, value)
    return cell


def _set(cell: Cell, value) -> None:
    if not isinstance(value, Formula):
        value = plain(value)
    if isinstance(value, Formula):
        cell.value = value.text  # openpyxl marks a text starting with "=" as a formula
        if cell.data_type != "f":
            raise ValueError(f"not a formula: {value.text!r}")
        return
    if isinstance(value, str):
        cell.value = sheet_text(value)
        cell.data_type = "s"  # text, even "=HYPERLINK(...)" or "#N/A": never a formula or error
        return
    cell.value = value


def put(ws: Worksheet, row: int, column: int, value) -> Cell:
    """Write one cell: text as text, numbers as numbers, a :class:`Formula` as our formula."""
    cell = ws.cell(row=row, column=column)
    _set(cell, value)
    if isinstance(value, Formula):
        _cached.setdefault(ws, {})[cell.coordinate] = plain(value.value)
    return cell


def append(ws: Worksheet, values: Iterable) -> int:
    """Write a row below the last one, each value as :func:`put` writes it; returns its number."""
    values = list(values)
    ws.append([_cell(ws, v) for v in values])
    row = ws.max_row
    for i, value in enumerate(values, start=1):
        if isinstance(value, Formula):
            _cached.setdefault(ws, {})[ws.cell(row=row, column=i).coordinate] = plain(value.value)
    return row


def header(ws: Worksheet, names: Sequence[str], fill: PatternFill = HEADER_FILL) -> int:
    """A bold, filled header row; returns its number."""
    row = append(ws, names)
    for cell in ws[row]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    return row


def save(wb: Workbook, path: Path) -> Path:
    """Save ``wb`` to ``path`` atomically (a reader never sees half a workbook), with the cached
    value of each :class:`Formula` in it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        wb.save(tmp)
        cached = {ws.path.lstrip("/"): _cached[ws] for ws in wb.worksheets if _cached.get(ws)}
        if cached:
            _write_cached_values(tmp, cached)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v></v>)</c>')


def _write_cached_values(path: Path, cached: Mapping[str, Mapping[str, float | int]]) -> None:
    """Put each formula's result in its ``<v>`` (openpyxl writes formulas without one)."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            values = cached.get(info.filename)
            if values:
                def fill(match: re.Match[str], values=values) -> str:
                    if match.group(1) not in values:
                        return match.group(0)
                    return (f'<c r="{match.group(1)}"{match.group(2)}><f>{match.group(3)}</f>'
                            f"<v>{values[match.group(1)]!r}</v></c>")
                data = _FORMULA_CELL.sub(fill, data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)


def print_setup(ws: Worksheet, *, header: str = "", footer_left: str = "",
                repeat_rows: str | None = None, landscape: bool = True) -> None:
    """Print on A4 (landscape by default), one page wide and as many pages long as it takes,
    ``header`` centred at the top of every page, ``footer_left`` and the page number ("第 1 页，
    共 3 页") at the bottom, and ``repeat_rows`` (e.g. ``"3:3"``, the column headers) on every
    page. ``&`` in the texts is printed as itself, never read as a header code."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3,
                                  footer=0.3)
    if header:
        ws.oddHeader.center.text = _header_text(header)
    if footer_left:
        ws.oddFooter.left.text = _header_text(footer_left)
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"
    if repeat_rows:
        ws.print_title_rows = repeat_rows


def _header_text(text: str) -> str:
    """Text for a page header or footer: ``&`` doubled (a single one starts a code such as
    ``&P``), control characters dropped, cut at 120 characters (Excel allows 255 for the
    three parts together)."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", sheet_text(text))
    return text[:120].replace("&", "&&")


def widths(ws: Worksheet, sizes: Sequence[float]) -> None:
    """Column widths, from column A on."""
    for i, width in enumerate(sizes, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as a UTF-8 CSV (with BOM, for Excel): text quoted and neutralised by
    :func:`csv_text`, numbers as numbers, missing values empty."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
            writer.writerow([csv_text(c) for c in frame.columns])
            for record in frame.itertuples(index=False, name=None):
                writer.writerow([_csv_value(v) for v in record])
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _csv_value(value):
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return csv_text(value)


def write_xlsx(frame: pd.DataFrame, path: Path, *, sheet: str = "Sheet1",
               formats: Mapping[str, str] | None = None) -> Path:
    """``frame`` as a one-sheet workbook: a header row, then each row through :func:`append`;
    ``formats`` maps a column to its number format."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    header(ws, [str(c) for c in frame.columns])
    for record in frame.itertuples(index=False, name=None):
        append(ws, record)
    for i, name in enumerate(frame.columns, start=1):
        fmt = (formats or {}).get(name)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return save(wb, path)
