"""Write canonical frames as the files a merchant receives, through the same profiles that read them.

The writer is the loader's inverse: headers come from each column's ``from``, values are mapped
back through ``map`` and dates formatted with the first of ``formats``. A demo file therefore
always round-trips through its profile; the layout quirks (preambles, trailers, title rows,
thousand separators, numbers stored as text) are added on top, as real exports have them.

Cells are made a column at a time with pyarrow (ids, counts, money in fen, times), so a month of
millions of rows is written in seconds; a column of anything else (floats, booleans, mixed
objects) is formatted once per distinct value in Python. CSV rows are joined the way
:mod:`csv` writes them (quoted only where needed); an .xlsx is a zip of a few XML parts, written
here with inline strings and numbers as numbers, which is what the loader (python-calamine) and
Excel read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon_lib import schema
from recon_lib.load.profile import Profile

CHUNK_ROWS = 200_000
"""Rows joined into text at a time: bounds the memory of a file's text, not its size."""

TEXT, NUMBER, BOOL = 0, 1, 2
"""What an Excel cell holds."""


@dataclass(frozen=True)
class FileLayout:
    """How one demo file looks beyond what its profile says."""

    filename: str
    profile: str
    encoding: str = "utf-8-sig"
    preamble: Sequence[str] = ()
    trailer: Sequence[str] = ()
    title_rows: Sequence[str] = ()
    thousands: Sequence[str] = ()
    """Canonical money columns written with thousand separators (1,234.50)."""
    numbers_as_text: bool = False
    """Excel: store numbers as text cells, as some courier systems do."""
    extra: dict[str, Callable[[pd.DataFrame], Sequence]] = field(default_factory=dict)
    """Header -> values for columns no profile reads (序号, 经手人...); placed first."""
    placeholder: str = ""
    """What an empty cell looks like (banks write '-')."""
    order: Sequence[str] = ()
    """Header order of the real export, where it differs from the profile's column order."""

    @property
    def excel(self) -> bool:
        return self.filename.endswith(".xlsx")


@dataclass(frozen=True)
class Cells:
    """One column of a file: each cell's text (null: empty) and, for Excel, what it holds."""

    text: pa.Array
    kind: np.ndarray | int = TEXT
    """TEXT, NUMBER or BOOL, for every cell or one for all."""

    def __post_init__(self):
        text = self.text
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks() if text.num_chunks else pa.array([], pa.string())
        object.__setattr__(self, "text", text.cast(pa.string()))


# -- one column's cells ---------------------------------------------------------------------------
def _scaled(units: pd.Series, scale: int) -> pd.Series:
    """Integer units (fen, grams) as Decimals of ``scale`` places, the way the loader reads them."""
    return units.map(lambda v: None if pd.isna(v) else Decimal(int(v)).scaleb(-scale))


def _decimal_text(units: pd.Series, scale: int) -> pa.Array | None:
    """``str(Decimal(int(v)).scaleb(-scale))`` for integer units, vectorised (None: not integers)."""
    try:
        ints = pa.array(pd.array(units, dtype="Int64"), type=pa.int64())
    except (TypeError, ValueError):
        return None
    whole = pc.divide(pc.abs(ints), 10 ** scale)
    part = pc.subtract(pc.abs(ints), pc.multiply(whole, 10 ** scale))
    sign = pc.if_else(pc.less(ints, 0), "-", "")
    return pc.binary_join_element_wise(
        sign, pc.cast(whole, pa.string()), ".",
        pc.utf8_lpad(pc.cast(part, pa.string()), scale, "0"), "")


def _as_text(values: pd.Series) -> pa.Array | None:
    """The values as text when they are text (or missing) already, else None."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _strftime(values: pd.Series, fmt: str) -> pa.Array:
    if values.dtype == object:   # dates as objects: a few distinct days, each parsed once
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        days = _stamps_text(pd.Series(uniques, dtype=object), fmt)
        return days.take(pa.array(codes, mask=codes < 0))
    return _stamps_text(values, fmt)


def _stamps_text(values: pd.Series, fmt: str) -> pa.Array:
    stamps = pd.to_datetime(values)
    arr = pa.array(stamps.to_numpy(dtype="datetime64[s]"), type=pa.timestamp("s"),
                   mask=stamps.isna().to_numpy())
    return pc.strftime(arr, format=fmt, locale="C")


def _old_cell(value, excel: bool, numbers_as_text: bool) -> tuple[str | None, int]:
    """One value's cell text and kind, as the writer has always written it."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None, TEXT
    if isinstance(value, bool | np.bool_):
        if excel:
            return ("1" if value else "0"), BOOL
        return str(bool(value)), TEXT
    if isinstance(value, Decimal | int | float | np.integer | np.floating):
        if excel and not numbers_as_text:
            return repr(float(value)), NUMBER
        if isinstance(value, float | np.floating):
            value = float(value)
            if value.is_integer() and not excel:
                return str(int(value)), TEXT
        return str(value), TEXT
    return str(value), TEXT


def _by_value(values: pd.Series, fn: Callable, excel: bool, numbers_as_text: bool) -> Cells:
    """``fn`` then the cell of each value, as the writer always made them (floats, booleans,
    mixed objects: the columns without a vectorised path). A column of one numpy type is done
    once per distinct value; objects one by one (1, 1.0 and True are equal, not alike)."""
    if values.dtype == object:
        done = [_old_cell(fn(v), excel, numbers_as_text) for v in values]
        return Cells(pa.array([t for t, _ in done], type=pa.string()),
                     np.array([k for _, k in done], dtype=np.int8))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = [_old_cell(fn(v), excel, numbers_as_text) for v in uniques]
    done.append(_old_cell(fn(None), excel, numbers_as_text))   # code -1: missing
    take = np.where(codes < 0, len(done) - 1, codes)
    text = pa.array([t for t, _ in done], type=pa.string()).take(pa.array(take))
    kinds = np.array([k for _, k in done], dtype=np.int8)[take]
    return Cells(text, kinds)


def _mapped(values: pd.Series, back: dict) -> pd.Series:
    """``values.map(lambda v: back.get(v, v))``, once per distinct value where the column has
    one type (objects one by one: 1, 1.0 and True are equal, not alike)."""
    if values.dtype == object:
        return values.map(lambda v: back.get(v, v))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = [back.get(v, v) for v in uniques] + [None]
    take = np.where(codes < 0, len(done) - 1, codes)
    if all(v is None or isinstance(v, str) for v in done):
        return pd.Series(pd.array(pa.array(done, pa.large_string()).take(pa.array(take)),
                                  dtype="str"))
    return pd.Series(np.array(done, dtype=object)[take], dtype=object)


def _cells(values: pd.Series, *, scale: int | None, back: dict | None, fmt: str | None,
           thousands: bool, boolean: bool, excel: bool, numbers_as_text: bool) -> Cells:
    """One file column's cells from a canonical column (``scale``: integer units of a decimal)."""
    number = NUMBER if excel and not numbers_as_text else TEXT
    plain = back is None and not thousands and not boolean
    if scale is not None and plain and fmt is None:
        text = _decimal_text(values, scale)
        if text is not None:
            return Cells(text, number)
    if scale is not None:
        values = _scaled(values, scale)
    if back is not None:
        values = _mapped(values, back)
    if fmt is not None:
        return Cells(_strftime(values, fmt))
    if thousands:
        return _by_value(values, lambda v: None if v is None or pd.isna(v) else f"{v:,.2f}",
                         excel, numbers_as_text)
    if boolean:
        return _by_value(values, lambda v: None if v is None else ("是" if v else "否"),
                         excel, numbers_as_text)
    dtype = values.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return Cells(pc.cast(pa.array(values, from_pandas=True), pa.string()), number)
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
        text = _as_text(values)
        if text is not None:
            return Cells(text)
    return _by_value(values, lambda v: v, excel, numbers_as_text)


def render(df: pd.DataFrame, profile: Profile, layout: FileLayout) -> dict[str, Cells]:
    """Canonical frame -> the file's columns (header -> cells) under the profile's headers."""
    tbl = schema.table(profile.table)
    excel, as_text = layout.excel, layout.numbers_as_text
    out: dict[str, Cells] = {}
    for header, make in layout.extra.items():
        out[header] = _cells(pd.Series(list(make(df)), dtype=object).infer_objects(),
                             scale=None, back=None, fmt=None, thousands=False, boolean=False,
                             excel=excel, numbers_as_text=as_text)
    for name, rule in profile.columns.items():
        col = tbl.column(name)
        scale = None
        if name in df:
            values = df[name]
        elif f"{name}_fen" in df:
            values, scale = df[f"{name}_fen"], 2
        elif name == "weight_kg" and "weight_g" in df:
            values, scale = df["weight_g"], 3
        else:
            values = pd.Series([None] * len(df), index=df.index, dtype=object)
        back = None
        if rule.map:
            back = {}
            for text, canonical in rule.map.items():
                back.setdefault(canonical, text)
        parts = {rule.from_[0]: values}
        if rule.minus is not None:  # a signed amount in two columns: money in, money out
            if scale is not None:
                values, scale = _scaled(values, scale), None
            if back is not None:
                values, back = values.map(lambda v, back=back: back.get(v, v)), None
            parts[rule.minus.from_[0]] = values.map(
                lambda v: None if v is None or pd.isna(v) or v >= 0 else -v)
            parts[rule.from_[0]] = values.map(
                lambda v: None if v is None or pd.isna(v) or v < 0 else v)
        dated = col.type in ("TIMESTAMP", "DATE") and bool(rule.formats)
        for header, part in parts.items():
            out[header] = _cells(
                part.reset_index(drop=True), scale=scale, back=back,
                fmt=rule.formats[0] if dated else None,
                thousands=not dated and name in layout.thousands,
                boolean=not dated and name not in layout.thousands and col.type == "BOOLEAN",
                excel=excel, numbers_as_text=as_text)
    if layout.order:
        out = {header: out[header] for header in layout.order}
    return out


# -- text of many rows at once --------------------------------------------------------------------
def _joined(parts: list, rows: int) -> memoryview:
    """The rows' pieces (arrays of text, or one text for every row) joined, as one UTF-8 text."""
    arrays = [p if isinstance(p, pa.Array) else pa.scalar(p, pa.string()) for p in parts]
    line = pc.binary_join_element_wise(*arrays, "")
    if isinstance(line, pa.ChunkedArray):
        line = line.combine_chunks()
    line = line.cast(pa.large_string())
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int64)[line.offset:line.offset + rows + 1]
    return memoryview(line.buffers()[2])[offsets[0]:offsets[-1]] if rows else memoryview(b"")


def _chunks(n: int) -> Iterator[slice]:
    for start in range(0, n, CHUNK_ROWS):
        yield slice(start, min(n, start + CHUNK_ROWS))


def _csv_field(text: pa.Array, delimiter: str, placeholder: str) -> pa.Array:
    """Quoted where :mod:`csv` quotes (QUOTE_MINIMAL): a delimiter, quote or line break inside."""
    text = text.fill_null(placeholder)
    chars = "".join("\\" + c if c in "\\]^-[" else c for c in (delimiter, '"', "\r", "\n"))
    special = pc.match_substring_regex(text, f"[{chars}]")
    if not pc.any(special).as_py():
        return text
    quoted = pc.binary_join_element_wise(
        '"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(special, quoted, text)


def write_csv(columns: dict[str, Cells], path: Path, profile: Profile,
              layout: FileLayout) -> None:
    delimiter = profile.delimiter or ","
    headers = list(columns)
    n = len(next(iter(columns.values())).text) if columns else 0
    with open(path, "wb") as fh:
        def put(data) -> None:
            if layout.encoding in ("utf-8", "utf-8-sig"):
                fh.write(data)
            else:
                fh.write(bytes(data).decode("utf-8").encode(layout.encoding))

        if layout.encoding == "utf-8-sig":
            fh.write("\ufeff".encode())
        for line in layout.preamble:
            put((line + "\n").encode())
        head = [_csv_field(pa.array([h], pa.string()), delimiter, "") for h in headers]
        put(bytes(_joined(_interleave(head, delimiter), 1)))
        fields = {h: _csv_field(c.text, delimiter, layout.placeholder)
                  for h, c in columns.items()}
        for rows in _chunks(n):
            part = [fields[h][rows] for h in headers]
            put(_joined(_interleave(part, delimiter), rows.stop - rows.start))
        for line in layout.trailer:
            put((line + "\n").encode())


def _interleave(fields: list, delimiter: str) -> list:
    out: list = []
    for i, f in enumerate(fields):
        out += [f, delimiter if i < len(fields) - 1 else "\n"]
    return out


# -- xlsx -----------------------------------------------------------------------------------------
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        out = chr(65 + rest) + out
    return out


def _xml_text(text: pa.Array) -> pa.Array:
    if not pc.any(pc.match_substring_regex(text, "[&<>]")).as_py():
        return text
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, raw, safe)
    return text


def _xml_cells(cells: Cells, letter: str, row: pa.Array) -> list:
    """Each row's ``<c>`` element of one column (empty where the cell is empty), as pieces for
    :func:`_joined`: arrays of text, or one text for every row."""
    text = cells.text
    ref = ['<c r="' + letter, row, '"']
    string = [*ref, ' t="inlineStr"><is><t>', None, "</t></is></c>"]
    value = [*ref, "><v>", text, "</v></c>"]
    boolean = [*ref, ' t="b"><v>', text, "</v></c>"]
    kind = cells.kind
    if isinstance(kind, np.ndarray) and len(kind) and (kind == kind[0]).all():
        kind = int(kind[0])
    if isinstance(kind, int) and kind == NUMBER:
        parts = value
    else:
        string[4] = _xml_text(text)
        if isinstance(kind, int):
            parts = string if kind == TEXT else boolean
        else:
            pick = [pc.binary_join_element_wise(*[p if isinstance(p, pa.Array)
                                                  else pa.scalar(p, pa.string()) for p in ps], "")
                    for ps in (string, value, boolean)]
            parts = [pc.if_else(pa.array(kind == NUMBER), pick[1],
                                pc.if_else(pa.array(kind == BOOL), pick[2], pick[0]))]
    empty = pc.equal(text.fill_null(""), "")
    if not pc.any(empty).as_py():
        return parts
    if len(parts) > 1:
        parts = [pc.binary_join_element_wise(*[p if isinstance(p, pa.Array)
                                               else pa.scalar(p, pa.string()) for p in parts], "")]
    return [pc.if_else(empty, "", parts[0])]


def _part(name: str) -> zipfile.ZipInfo:
    """A part of the workbook, dated 1980-01-01 so that the same cells make the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    level = "compress_level" if "compress_level" in dir(info) else "_compresslevel"  # 3.13: public
    setattr(info, level, 1)   # fast: the sheet is mostly markup
    return info


def write_xlsx(columns: dict[str, Cells], path: Path, profile: Profile,
               layout: FileLayout) -> None:
    """One sheet: the title rows, the header, the rows, the trailer lines."""
    headers = list(columns)
    n = len(next(iter(columns.values())).text) if columns else 0
    letters = [_letter(i) for i in range(max(1, len(headers)))]
    sheet = profile.sheet or "Sheet1"

    def text_rows(first: int, lines: Sequence[Sequence[str]]) -> bytes:
        xml = []
        for r, line in enumerate(lines, start=first):
            cells = "".join(f'<c r="{letters[i]}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                            for i, v in enumerate(line) if v != "")
            xml.append(f'<row r="{r}">{cells}</row>')
        return "".join(xml).encode()

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr(_part("[Content_Types].xml"), _CONTENT_TYPES)
        book.writestr(_part("_rels/.rels"), _ROOT_RELS)
        book.writestr(_part("xl/workbook.xml"), _WORKBOOK.format(name=quoteattr(sheet)))
        book.writestr(_part("xl/_rels/workbook.xml.rels"), _WORKBOOK_RELS)
        book.writestr(_part("xl/styles.xml"), _STYLES)
        with book.open(_part("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as fh:
            fh.write(_SHEET_HEAD.encode())
            fh.write(text_rows(1, [[t] for t in layout.title_rows]))
            first = len(layout.title_rows) + 2   # the header's row is first - 1
            fh.write(text_rows(first - 1, [headers]))
            for rows in _chunks(n):
                count = rows.stop - rows.start
                number = pc.cast(pa.array(np.arange(first + rows.start, first + rows.stop)),
                                 pa.string())
                parts = ['<row r="', number, '">']
                for i, c in enumerate(columns.values()):
                    parts += _xml_cells(Cells(c.text[rows], c.kind if isinstance(c.kind, int)
                                              else c.kind[rows]), letters[i], number)
                parts.append("</row>")
                fh.write(_joined(parts, count))
            fh.write(text_rows(first + n, [[line] for line in layout.trailer]))
            fh.write(_SHEET_TAIL.encode())


def write_file(df: pd.DataFrame, folder: Path, profile: Profile, layout: FileLayout) -> Path:
    path = folder / layout.filename
    columns = render(df, profile, layout)
    if layout.excel:
        write_xlsx(columns, path, profile, layout)
    else:
        write_csv(columns, path, profile, layout)
    return path
