"""Raw reading: a file becomes a grid of stripped cell texts with the row numbers users see.

CSV/TXT rows are numbered by their first physical line (1-based), Excel rows by the spreadsheet
row. No typing happens here: every cell is text, and Excel values are rendered as the text a
person sees (whole numbers without ``.0``, dates as ISO text).
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import logging
import os
import stat
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineWorkbook, PasswordError

from recon_lib.errors import InputError, Problem
from recon_lib.load.cells import TEXT, Cells, Row
from recon_lib.load.values import STRIP, header_key

if TYPE_CHECKING:
    from recon_lib.load.profile import Profile

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
"""``.xlsm`` (an xlsx with macros) is read as xlsx; the macros are not run."""
SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES
PASSWORD_PROTECTED = "the workbook is password-protected: remove the password and save it again"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAMS = tuple(name.encode("utf-16-le") + b"\x00\x00"
                           for name in ("EncryptionInfo", "EncryptedPackage"))

__all__ = ["Cells", "Grid", "HeaderSearch", "Row", "Source", "find_header", "read_grid",
           "read_grids"]


@dataclass(frozen=True)
class Grid:
    """The rows of one file (or one sheet of a workbook)."""

    path: Path
    cells: Cells
    sheet: str | None = None

    @cached_property
    def rows(self) -> list[Row]:
        """Every row as (number, cells): for people and tests; the loader reads ``cells``."""
        return self.cells.rows()


class Source:
    """One file of a load, read from disk once: recognising it and reading it share its bytes
    (a text file) or its parsed sheets (a workbook, whose parsing is the expensive part)."""

    def __init__(self, path: str | Path, label: str | None = None):
        self.path = Path(path)
        self.label = label or str(path)
        self._data: bytes | None = None
        self._sheets: dict[str, Cells] | None = None

    def data(self) -> bytes:
        if self._data is None:
            self._data = _read_bytes(self.path, self.label)
        return self._data

    def sheets(self) -> dict[str, Cells]:
        """Every sheet of the workbook, whole."""
        if self._sheets is None:
            self._sheets = read_excel_cells(self.path, self.label)
        return self._sheets


@dataclass(frozen=True)
class HeaderSearch:
    """Where a signature was found among the first rows, or how close a row came."""

    index: int | None
    """Position in ``Grid.rows`` of the header row; None when no row holds the whole signature."""
    row: int | None
    """Row number of the header row, or of the closest row when none matched."""
    found: int
    missing: tuple[str, ...]


def file_kind(path: Path) -> str:
    """csv, txt, xlsx or xls, from the file name (an .xlsm is an xlsx)."""
    kind = path.suffix.lower().lstrip(".")
    return "xlsx" if kind == "xlsm" else kind


def not_regular(mode: int) -> str | None:
    """What a path that is not a regular file is (from its ``st_mode``); None for a file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def ensure_regular(path: Path, label: str) -> None:
    """Refuse a FIFO, socket or device without opening it: reading a FIFO waits for a writer
    that may never come, and a device may never end."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputError(f"cannot read {label}", [Problem(label, str(exc))]) from None
    what = not_regular(mode)
    if what is not None:
        raise InputError(f"{label} is not a file", [Problem(
            label, f"{what}, not a file: recon reads regular files only; take it out of the "
                   "folder")])


# -- text files -------------------------------------------------------------------------------
def decode(data: bytes, encoding: str, label: str, *, lenient: bool = False) -> str:
    """Bytes to text. ``auto`` tries UTF-8 (with or without BOM), then GB18030 (a GBK superset)."""
    if b"\x00" in data[:4096]:
        raise InputError(f"{label} is not a text file", [Problem(
            label, "the file contains NUL bytes: it is binary or UTF-16, not a UTF-8/GBK text "
                   "file; save it again as CSV (UTF-8)")])
    tries = ("utf-8-sig", "gb18030") if encoding == "auto" else (encoding,)
    for i, name in enumerate(tries):
        last = i == len(tries) - 1
        try:
            return data.decode(name, errors="replace" if lenient and last else "strict")
        except UnicodeDecodeError as exc:
            if not last:
                continue
            line = data[: exc.start].count(b"\n") + 1
            what = "UTF-8 or GBK/GB18030" if encoding == "auto" else encoding
            raise InputError(f"{label} cannot be decoded as {what}", [Problem(
                label, f"byte {data[exc.start:exc.start + 1].hex()} at offset {exc.start} is not "
                       f"valid {what}; check the profile's encoding or save the file as UTF-8",
                line)]) from None
    raise AssertionError("unreachable")


def _unwrap(cell: str) -> str:
    """Quotes left by padding (``  "abc" ``) and Excel's text guard (``="0123"``)."""
    if cell.startswith('="') and cell.endswith('"') and len(cell) >= 3:
        return cell[2:-1].strip(STRIP)
    if cell.startswith('"') and cell.endswith('"') and len(cell) >= 2:
        return cell[1:-1].replace('""', '"').strip(STRIP)
    return cell


def csv_rows(text: str, delimiter: str, label: str, *, max_rows: int | None = None) -> list[Row]:
    """Parse CSV text; each row is numbered by the physical line it starts on."""
    # skipinitialspace lets a quoted cell padded with spaces ( "a, b") keep its comma.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=delimiter != " ")
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            stripped = [c.strip(STRIP) for c in cells]
            rows.append((start, [_unwrap(c) if c[:1] in "\"=" else c for c in stripped]))
            start = reader.line_num + 1
            if max_rows is not None and len(rows) >= max_rows:
                break
    except csv.Error as exc:
        raise InputError(f"{label} is not a readable CSV file", [
            Problem(label, f"CSV error: {exc}", reader.line_num)]) from None
    return rows


def text_cells(text: str, delimiter: str, label: str) -> Cells:
    """Parse a whole CSV text into Cells, as :func:`csv_rows` would: same cells, same numbers.

    Text without a quote character (most exports) is cut up with numpy (:func:`_plain_cells`):
    a row is then exactly a line (``\\n`` or ``\\r\\n``), its cells exactly the pieces between
    delimiters. Anything else (quotes, a lone ``\\r``, NUL, a cell longer than the csv module
    allows) goes through the csv module, row by row."""
    plain = _plain_cells(text, delimiter)
    if plain is not None:
        return plain
    rows = _csv_lists(text, delimiter, label)
    numbers = np.array([n for n, _ in rows], dtype=np.int64)
    lists = _stripped(pa.array([cells for _, cells in rows], pa.list_(TEXT)))
    flat = lists.values
    if len(flat):
        # Quotes left by padding and Excel's text guard (="0123"): few cells, one by one.
        guarded = pc.or_(pc.starts_with(flat, '"'), pc.starts_with(flat, "=")).to_numpy(
            zero_copy_only=False)
        if guarded.any():
            at = np.flatnonzero(guarded)
            unwrapped = pa.array([_unwrap(c) for c in flat.take(pa.array(at)).to_pylist()], TEXT)
            flat = pc.replace_with_mask(flat, pa.array(guarded), unwrapped)
            lists = pa.ListArray.from_arrays(lists.offsets, flat)
    return Cells.from_lists(numbers, lists)


def _plain_cells(text: str, delimiter: str) -> Cells | None:
    """Cells of CSV text without quotes, or None when the text needs the csv module.

    The text's UTF-8 bytes are cut at every newline and delimiter byte (both ASCII, so never
    inside a character): each cell is the bytes up to and including its separator, which the
    strip of STRIP characters (and the delimiter) then takes off with any ``\\r`` of ``\\r\\n``."""
    if ('"' in text or "\x00" in text or len(delimiter.encode()) != 1
            or delimiter in '\r\n"' or text.count("\r") != text.count("\r\n")):
        return None
    if text == "":
        return Cells.from_rows([])
    data = text.encode("utf-8")
    if not data.endswith(b"\n"):
        data += b"\n"  # every line ends in a newline
    buf = np.frombuffer(data, dtype=np.uint8)
    newline = buf == 10
    ends = np.flatnonzero(newline)  # one per line
    seps = np.flatnonzero(newline | (buf == ord(delimiter)))  # one per cell, its last byte
    offsets = np.empty(len(seps) + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:] = seps + 1
    if int(np.diff(offsets).max()) > csv.field_size_limit():
        cells = pa.LargeStringArray.from_buffers(len(seps), pa.py_buffer(offsets),
                                                 pa.py_buffer(data))
        if pc.max(pc.utf8_length(cells)).as_py() > csv.field_size_limit() + 1:
            return None  # let the csv module say which line is too long
    cells = pa.LargeStringArray.from_buffers(len(seps), pa.py_buffer(offsets), pa.py_buffer(data))
    row_offsets = np.empty(len(ends) + 1, dtype=np.int64)
    row_offsets[0] = 0
    row_offsets[1:] = np.searchsorted(seps, ends) + 1
    starts = np.concatenate([[0], ends[:-1] + 1])
    length = ends - starts
    empty = (length == 0) | ((length == 1) & (buf[np.minimum(starts, len(buf) - 1)] == 13))
    widths = np.diff(row_offsets)
    widths[empty] = 0  # an empty line holds no cell
    lists = pa.LargeListArray.from_arrays(pa.array(row_offsets),
                                          pc.utf8_trim(cells, STRIP + delimiter))
    return Cells.from_lists(np.arange(1, len(ends) + 1), lists, widths)


def _stripped(lists: pa.ListArray) -> pa.ListArray:
    """Every cell without STRIP characters at either end."""
    return pa.ListArray.from_arrays(lists.offsets, pc.utf8_trim(lists.values, STRIP))


def _csv_lists(text: str, delimiter: str, label: str) -> list[Row]:
    """The csv module's rows, unstripped, numbered by the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=delimiter != " ")
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{label} is not a readable CSV file", [
            Problem(label, f"CSV error: {exc}", reader.line_num)]) from None
    return rows


def _head(data: bytes, lines: int) -> bytes:
    """The first ``lines`` lines of the bytes (cut at a newline, so no character is split)."""
    pos = -1
    for _ in range(lines):
        pos = data.find(b"\n", pos + 1)
        if pos < 0:
            return data
    return data[: pos + 1]


def read_text_rows(path: Path, encoding: str, delimiter: str, label: str, *,
                   max_rows: int | None = None, source: Source | None = None) -> list[Row]:
    """Rows of a CSV/TXT file. With ``max_rows`` (recognition) only the head is decoded, leniently."""
    data = source.data() if source is not None else _read_bytes(path, label)
    if max_rows is not None:
        # Rows may span several lines inside quotes, so read more lines than rows.
        text = decode(_head(data, 2 * max_rows + 20), encoding, label, lenient=True)
        return csv_rows(text, delimiter, label, max_rows=max_rows)
    return read_text_cells(path, encoding, delimiter, label, source=source).rows()


def read_text_cells(path: Path, encoding: str, delimiter: str, label: str, *,
                    source: Source | None = None) -> Cells:
    """A whole CSV/TXT file as Cells (the file decoded in one block)."""
    data = source.data() if source is not None else _read_bytes(path, label)
    return text_cells(decode(data, encoding, label), delimiter, label)


def _read_bytes(path: Path, label: str) -> bytes:
    ensure_regular(path, label)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {label}", [Problem(label, str(exc))]) from None


# -- Excel ------------------------------------------------------------------------------------
def cell_text(value: object) -> str:
    """An Excel value as the text a person sees: 1234567890123.0 -> "1234567890123"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip(STRIP)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip(STRIP)


def read_excel_sheets(path: Path, label: str, *, sheet: str | None = None,
                      max_rows: int | None = None) -> dict[str, list[Row]]:
    """Rows of every sheet (or of ``sheet``), numbered as Excel numbers them."""
    return {name: cells.rows() for name, cells in
            read_excel_cells(path, label, sheet=sheet, max_rows=max_rows).items()}


def read_excel_cells(path: Path, label: str, *, sheet: str | None = None,
                     max_rows: int | None = None) -> dict[str, Cells]:
    """Every sheet (or ``sheet``) as Cells, rows numbered as Excel numbers them."""
    ensure_regular(path, label)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        if isinstance(exc, PasswordError) or _encrypted(path):
            raise InputError(f"{label} is password-protected", [
                Problem(label, PASSWORD_PROTECTED)]) from None
        raise InputError(f"{label} is not a readable Excel file", [
            Problem(label, f"cannot open it as {file_kind(path)}: {exc}{_not_excel_hint(path)}")
        ]) from None
    names = list(book.sheet_names)
    if sheet is not None:
        if sheet not in names:
            raise InputError(f"{label} has no sheet {sheet!r}", [Problem(
                label, f"no sheet named {sheet!r}; sheets: {', '.join(names)}")])
        names = [sheet]
    out: dict[str, Cells] = {}
    for name in names:
        try:
            values = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=max_rows)
        except Exception as exc:  # noqa: BLE001 - see above
            raise InputError(f"{label} is not a readable Excel file", [
                Problem(label, f"cannot read sheet {name!r}: {exc}")]) from None
        out[name] = sheet_cells(values)
    return out


def sheet_cells(values: list[list]) -> Cells:
    """A sheet's values (python-calamine's rows) as Cells of the text a person sees."""
    widths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    count = int(widths.sum())
    texts = np.fromiter(itertools.chain.from_iterable(values), dtype=object, count=count)
    kinds = np.fromiter(map(type, texts), dtype=object, count=count)
    at = np.flatnonzero(np.equal(kinds, float))
    numbers = texts[at].astype(np.float64)
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 1e17)
    fractions = at[~whole]  # as repr writes them, unless in exponent form
    texts[fractions] = [t if "e" not in t else cell_text(float(t))
                        for t in map(repr, texts[fractions])]
    others = np.flatnonzero(np.not_equal(kinds, str) & np.not_equal(kinds, float))
    texts[others] = [cell_text(c) for c in texts[others]]
    texts[at[whole]] = None  # whole numbers are written by Arrow below: 3.0 -> "3"
    text = pa.array(texts, TEXT)
    if whole.any():
        mask = np.zeros(count, dtype=bool)
        mask[at[whole]] = True
        text = pc.replace_with_mask(text, pa.array(mask),
                                    pa.array(numbers[whole].astype(np.int64)).cast(TEXT))
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), pc.utf8_trim(text, STRIP))
    return Cells.from_lists(np.arange(1, len(values) + 1), lists)


def _encrypted(path: Path) -> bool:
    """An OLE2 compound file holding an EncryptionInfo or EncryptedPackage stream: how Office
    stores a password-protected .xlsx (calamine says so itself when the name ends in .xlsx).
    Directory entries are 128 bytes long and start with their UTF-16 name; only called when a
    workbook could not be opened, so reading it whole once more costs nothing in the usual case."""
    try:
        with path.open("rb") as f:
            if f.read(8) != _OLE_MAGIC:
                return False
            data = f.read()
    except OSError:
        return False
    for name in _ENCRYPTED_STREAMS:
        at = data.find(name)
        while at >= 0:
            if (at + 8) % 128 == 0:  # offsets in the file are at + 8
                return True
            at = data.find(name, at + 1)
    return False


def _not_excel_hint(path: Path) -> str:
    """Some systems save HTML or tab-separated text under an .xls name."""
    try:
        start = path.read_bytes()[:512].lstrip()
    except OSError:
        return ""
    if start[:1] == b"<":
        return " (it is an HTML page saved with an Excel name: open it in Excel and save as .xlsx)"
    if start[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):  # an xlsx (zip) or .xls that is cut off
        return " (the workbook is damaged or incomplete, e.g. a download cut short: export it again)"
    if b"\t" in start or b"," in start:
        return " (it looks like text: rename it to .txt or .csv)"
    return ""


def several_sheets(found: dict[str, tuple[str, ...]], detail: str = "") -> str:
    """The problem of a workbook whose sheets (name -> profiles matching it) hold data."""
    listed = ", ".join(f"{name!r} ({', '.join(names)})" for name, names in found.items())
    return (f"sheets {listed} each look like data{detail}: recon reads one sheet per workbook and "
            "does not guess which (a draft or copied sheet must not win silently); delete the "
            "sheets that are not data, save each sheet as its own file, or name the sheet in "
            "the profile (sheet:)")


# -- both -------------------------------------------------------------------------------------
def header_keys(rows: list[Row]) -> list[set[str]]:
    """Each row's cells as :func:`find_header` compares them (to score many profiles at once)."""
    return [{header_key(c) for c in cells if c} for _, cells in rows]


@functools.lru_cache(maxsize=256)
def _signature_keys(signature: tuple[str, ...]) -> dict[str, str]:
    return {header_key(s): s for s in signature}


def find_header(rows: list[Row], signature: tuple[str, ...], search_rows: int, *,
                keys: list[set[str]] | None = None) -> HeaderSearch:
    """The first of the first ``search_rows`` rows that holds every signature cell. ``keys``:
    the rows' :func:`header_keys`, when already known."""
    wanted = _signature_keys(tuple(signature))
    best = HeaderSearch(None, None, 0, tuple(signature))
    for index, (number, cells) in enumerate(rows[:search_rows]):
        present = keys[index] if keys is not None else {header_key(c) for c in cells if c}
        missing = tuple(s for k, s in wanted.items() if k not in present)
        if not missing:
            return HeaderSearch(index, number, len(wanted), ())
        if len(wanted) - len(missing) > best.found:
            best = HeaderSearch(None, number, len(wanted) - len(missing), missing)
    return best


def read_grid(path: str | Path, profile: Profile | None = None, *, label: str | None = None,
              max_rows: int | None = None, source: Source | None = None) -> Grid:
    """Read a file as rows of cell text, the way ``profile`` says (encoding, delimiter, sheet).

    Without a profile a text file is read as comma-separated with encoding ``auto`` and a
    workbook's first sheet is returned. For a workbook and a profile without ``sheet``, the one
    sheet whose first rows hold the profile's signature is used (else the first sheet); when
    several do, which one is meant is not guessed: an InputError names them (the loader reads
    them all, see :func:`read_grids`).
    """
    path = Path(path)
    label = label or str(path)
    grids = read_grids(path, profile, label=label, max_rows=max_rows, source=source)
    if len(grids) > 1:
        raise InputError(f"{label}: several sheets hold data", [Problem(
            label, several_sheets({g.sheet: (profile.name,) for g in grids}))])
    return grids[0]


def read_grids(path: str | Path, profile: Profile | None = None, *, label: str | None = None,
               max_rows: int | None = None, source: Source | None = None) -> list[Grid]:
    """Like :func:`read_grid`, but every sheet whose first rows hold the profile's signature
    when several do (a workbook with a copy of its data, or a draft, on another sheet).
    ``source``: the file as recognition already read it (see :class:`Source`)."""
    path = Path(path)
    label = label or str(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        encoding = profile.encoding if profile else "auto"
        delimiter = profile.delimiter if profile else ","
        if max_rows is not None:
            rows = read_text_rows(path, encoding, delimiter, label, max_rows=max_rows,
                                  source=source)
            return [Grid(path, Cells.from_rows(rows))]
        return [Grid(path, read_text_cells(path, encoding, delimiter, label, source=source))]
    if suffix not in EXCEL_SUFFIXES:
        raise InputError(f"{label}: unsupported file type", [Problem(
            label, f"cannot read {suffix or 'files without an extension'}; "
                   f"expected one of {', '.join(SUFFIXES)}")])
    wanted = profile.sheet if profile else None
    if source is not None and max_rows is None:
        sheets = source.sheets()
        if wanted is not None:
            if wanted not in sheets:
                raise InputError(f"{label} has no sheet {wanted!r}", [Problem(
                    label, f"no sheet named {wanted!r}; sheets: {', '.join(sheets)}")])
            sheets = {wanted: sheets[wanted]}
    else:
        sheets = read_excel_cells(path, label, sheet=wanted, max_rows=max_rows)
    if profile is not None:
        found = [Grid(path, cells, name) for name, cells in sheets.items()
                 if find_header(cells.rows(0, profile.header_search_rows), profile.signature,
                                profile.header_search_rows).index is not None]
        if found:
            return found
    name, cells = next(iter(sheets.items()), (None, Cells.from_rows([])))
    return [Grid(path, cells, name)]
