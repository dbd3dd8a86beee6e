"""Every workbook and CSV we write goes through here, so text from input files stays text.

Spreadsheet programs run a cell that starts with ``=`` (and, when typed or imported from CSV,
``+``, ``-``, ``@``, a tab or a carriage return) as a formula: ``=HYPERLINK("http://x","click")``
in a waybill or a counterparty's name would become a live link in a workbook we send to a courier,
and ``@SUM(1+1)*cmd|'/C calc'!A0`` in a CSV a command. So:

- A :class:`Book` is written in one pass, sheet after sheet, each top to bottom (XlsxWriter's
  ``constant_memory`` mode: a row is on disk once the next one starts, so a month's findings
  never sit in memory as cell objects). The cells themselves are written by
  :mod:`recon_lib.report.sheet_xml`, a column at a time (:meth:`Sheet.frame`, and
  :meth:`Sheet.rows` in batches): text is always a string cell, whatever it starts with (even
  ``<r>...</r>``, which XlsxWriter would write as raw XML), so it reads back as the same text;
  numbers, dates and booleans keep their types. Our own formulas (totals) are
  :class:`Formula` values, written with their result cached, so a viewer that does not
  calculate (a previewer, pandas, openpyxl's ``data_only``) shows the number.
- :func:`write_csv` prefixes such text with ``'`` (``formats.csv_text``) and quotes every text
  field, as OWASP's CSV injection guidance recommends; real numbers are written as numbers.
- A text cell holds ``formats.sheet_text(value)`` (characters XML cannot carry replaced, cut at
  Excel's 32,767): ``recon resolve`` compares the register with the same, so a key reads back as
  itself.
- A workbook appears under its name only when complete (written beside it, then renamed): a
  reader never sees half a workbook, and a failed write leaves the previous one as it was.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from recon_lib.formats import csv_text, plain, sheet_text
from recon_lib.report import sheet_xml

HEADER_FILL = "#DDE4EE"
MONEY = "#,##0.00"
_DATE_FORMATS = {datetime: "yyyy-mm-dd hh:mm:ss", date: "yyyy-mm-dd", time: "hh:mm:ss"}
_BATCH_ROWS = 50_000
"""Rows turned into XML at once: a few tens of MB of text at most."""


@dataclass(frozen=True)
class Formula:
    """One of our own formulas and the value it gives, e.g. ``Formula("=SUM(D4:D9)", 412.5)``."""

    text: str
    value: float | int


@dataclass(frozen=True)
class Style:
    """How a cell looks: number format, bold, fill colour, wrapped text, font size."""

    number: str | None = None
    bold: bool = False
    fill: str | None = None
    wrap: bool = False
    size: int | None = None


class Book:
    """A workbook written in one pass to ``path``: use it as a context manager. Its sheets are
    written one after another, each from the top down."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self._wb = xlsxwriter.Workbook(str(self._tmp), {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "remove_timezone": True})
        self._formats: dict[Style, object] = {}

    def sheet(self, name: str) -> Sheet:
        """A new sheet, after the others."""
        return Sheet(self, self._wb.add_worksheet(_sheet_name(name)))

    def format(self, style: Style | None):
        """XlsxWriter's format for ``style`` (one per distinct style)."""
        if style is None or style == Style():
            return None
        if style not in self._formats:
            props: dict = {}
            if style.number:
                props["num_format"] = style.number
            if style.bold:
                props["bold"] = True
            if style.fill:
                props |= {"pattern": 1, "bg_color": style.fill}
            if style.wrap:
                props |= {"text_wrap": True, "valign": "top"}
            if style.size:
                props["font_size"] = style.size
            self._formats[style] = self._wb.add_format(props)
        return self._formats[style]

    def index(self, style: Style | None) -> int | None:
        """The cell format index (``s=``) of ``style`` in this workbook; None for none."""
        cell_format = self.format(style)
        return cell_format._get_xf_index() if cell_format is not None else None

    def date_index(self, kind: type) -> int | None:
        """The format index of a date, a date and time, or a time of day."""
        return self.index(Style(number=_DATE_FORMATS.get(kind, _DATE_FORMATS[datetime])))

    def __enter__(self) -> Book:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None:
                if not self._wb.worksheets():
                    self._wb.add_worksheet()
                self._wb.close()
                os.replace(self._tmp, self.path)
            else:
                with contextlib.suppress(Exception):  # half a workbook: none of it is kept
                    self._wb.close()
        finally:
            self._tmp.unlink(missing_ok=True)


def _sheet_name(name: str) -> str:
    r"""Excel refuses ``[]:*?/\`` in a sheet name and more than 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "Sheet"


class Sheet:
    """One worksheet, written a row at a time from the top. Row and column numbers are
    Excel's, from 1; :attr:`last_row` is the last row written (0 before any)."""

    def __init__(self, book: Book, ws) -> None:
        self.book, self._ws, self.last_row = book, ws, 0

    def row(self, values: Iterable, style: Style | Sequence[Style | None] | None = None) -> int:
        """Write the next row, each value as text, number, date, boolean or :class:`Formula`,
        with ``style`` (one for the whole row, or one per column); returns its number."""
        values = list(values)
        styles = [style] * len(values) if style is None or isinstance(style, Style) else style
        return self.rows([values], styles)

    def rows(self, records: Iterable[Sequence], styles: Sequence[Style | None]) -> int:
        """Write one row per record, with one style per column; returns the last row's
        number."""
        batch: list[Sequence] = []
        for record in records:
            batch.append(record)
            if len(batch) == _BATCH_ROWS:
                self._write(pd.DataFrame.from_records(batch, coerce_float=False), styles)
                batch = []
        if batch:
            self._write(pd.DataFrame.from_records(batch, coerce_float=False), styles)
        return self.last_row

    def frame(self, frame: pd.DataFrame, styles: Sequence[Style | None]) -> int:
        """Write ``frame``'s rows (its columns in order, no header), one style per column;
        returns the last row's number. A column at a time: the way for many rows."""
        for start in range(0, len(frame), _BATCH_ROWS):
            self._write(frame.iloc[start:start + _BATCH_ROWS], styles)
        return self.last_row

    def _write(self, frame: pd.DataFrame, styles: Sequence[Style | None]) -> None:
        if frame.empty:
            return
        ws, book = self._ws, self.book
        columns = frame.shape[1]
        styles = list(styles)[:columns] + [None] * (columns - len(styles))
        indices = [book.index(s) for s in styles]
        dated = [book.date_index if s is None or s.number in (None, "@") else None
                 for s in styles]
        letters = [xl_col_to_name(c) for c in range(columns)]
        xml = sheet_xml.rows_xml(frame, self.last_row + 1, letters, indices, dated)
        if ws.table:  # a row XlsxWriter itself still holds goes first
            ws._write_single_row(self.last_row)
        first, last = self.last_row, self.last_row + len(frame) - 1
        if xml:
            ws.row_data_fh.write(xml)
            ws._check_dimensions(first, 0)
            ws._check_dimensions(last, columns - 1)
            ws.previous_row = last
        self.last_row = last + 1

    def skip(self, n: int = 1) -> None:
        """Leave ``n`` rows empty."""
        self.last_row += n

    def header(self, names: Sequence[str], fill: str = HEADER_FILL,
               fills: Mapping[int, str] | None = None) -> int:
        """A bold, filled header row (``fills``: another colour for some 1-based columns);
        returns its number."""
        return self.row(names, [Style(bold=True, fill=(fills or {}).get(i, fill), wrap=True)
                                for i in range(1, len(names) + 1)])

    def widths(self, sizes: Sequence[float], hidden: Sequence[int] = ()) -> None:
        """Column widths from column A on; the 1-based columns in ``hidden`` are hidden."""
        for i, width in enumerate(sizes):
            self._ws.set_column(i, i, width, None, {"hidden": (i + 1) in hidden})

    def freeze(self, rows: int) -> None:
        """Keep the first ``rows`` rows in view while scrolling."""
        self._ws.freeze_panes(rows, 0)

    def filter(self, header_row: int, last_row: int, columns: int) -> None:
        """An autofilter from the header row down to ``last_row``."""
        self._ws.autofilter(header_row - 1, 0, max(header_row, last_row) - 1, columns - 1)

    def choice(self, column: int, first_row: int, last_row: int, choices: Sequence[str],
               title: str, message: str) -> None:
        """The cells of ``column`` from ``first_row`` to ``last_row`` take one of ``choices``."""
        self._ws.data_validation(first_row - 1, column - 1, max(first_row, last_row) - 1,
                                 column - 1, {"validate": "list", "source": list(choices),
                                              "ignore_blank": False, "error_title": title,
                                              "error_message": message})

    def print_setup(self, *, header: str = "", footer_left: str = "",
                    repeat_row: int | None = None, landscape: bool = True) -> None:
        """Print on A4 (landscape by default), one page wide and as many pages long as it
        takes, ``header`` centred at the top of every page, ``footer_left`` and the page number
        ("第 1 页，共 3 页") at the bottom, and ``repeat_row`` (the column headers) on every
        page. ``&`` in the texts is printed as itself, never read as a header code."""
        ws = self._ws
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        if header:
            ws.set_header("&C" + _header_text(header), {"margin": 0.3})
        left = "&L" + _header_text(footer_left) if footer_left else ""
        ws.set_footer(left + "&R第 &P 页，共 &N 页", {"margin": 0.3})
        if repeat_row:
            ws.repeat_rows(repeat_row - 1)


def _header_text(text: str) -> str:
    """Text for a page header or footer: ``&`` doubled (a single one starts a code such as
    ``&P``), control characters dropped, cut at 120 characters (Excel allows 255 for the
    three parts together)."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", sheet_text(text))
    return text[:120].replace("&", "&&")


def column_letter(column: int) -> str:
    """The letter of a 1-based column: ``1`` -> ``A``."""
    return xl_col_to_name(column - 1)


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
    """``frame`` as a one-sheet workbook: a header row, then a row per record; ``formats``
    maps a column to its number format."""
    with Book(path) as book:
        ws = book.sheet(sheet)
        ws.header([str(c) for c in frame.columns])
        styles = [Style(number=(formats or {}).get(name)) for name in frame.columns]
        last = ws.rows(frame.itertuples(index=False, name=None), styles)
        ws.freeze(1)
        ws.filter(1, last, len(frame.columns))
    return Path(path)
