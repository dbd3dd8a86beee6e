"""Worksheet cells as SpreadsheetML, a column at a time.

XlsxWriter builds each cell as a Python object and writes it with several calls: at a million
orders the exceptions workbook's three million cells took most of the run's workbook step. Here a
column of a frame becomes its cells' XML in a few Arrow operations, and :class:`Book` appends the
rows to the sheet XlsxWriter is writing (its ``constant_memory`` row file). Values no column
type covers (our formulas, a column mixing texts and numbers) are written one by one by
:func:`cell_xml`, with the same rules.

Text is escaped here, always: XlsxWriter writes an inline string that starts with ``<r>`` and
ends with ``</r>`` as raw XML (rich text), so a waybill holding such a string could add a live
formula to a workbook we send out. A text cell holds :func:`recon_lib.formats.sheet_text` of the
value, with Excel's ``_xHHHH_`` escape applied to literal ``_xHHHH_`` sequences, so it reads
back as itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon_lib.formats import MAX_CELL_TEXT, plain, sheet_text

# Python's str.isspace() characters, spelled out so that RE2 (Arrow) and re agree.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}" \
         r"\x{202f}\x{205f}\x{3000}"
_PRESERVE_RE2 = f"^[{_SPACE}]|[{_SPACE}]$"
_PRESERVE = re.compile(_PRESERVE_RE2.replace(r"\x{", r"\u").replace("}", ""))
_NOT_XML_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # formats.sheet_text's, for Arrow
_ESCAPE_RE2 = r"(_x[0-9a-fA-F]{4}_)"
_ESCAPE = re.compile(_ESCAPE_RE2)
_EPOCH = datetime(1899, 12, 31)
_EPOCH_US = np.datetime64("1899-12-31T00:00:00", "us")
_DAY_US = 86_400_000_000


def _xml_text(text: str) -> str:
    text = _ESCAPE.sub(r"_x005F\1", text).replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _utf16_cut(text: str) -> str:
    """Excel counts a cell's 32,767 characters in UTF-16 units: an emoji is two."""
    if len(text) <= MAX_CELL_TEXT // 2:
        return text
    return text.encode("utf-16-le")[:MAX_CELL_TEXT * 2].decode("utf-16-le", "ignore")


def number_text(value: float | int) -> str:
    """A number as a cell's ``<v>``: digits enough to read back the same double (Arrow's
    spelling, so :func:`cell_xml` and the column path write the same text)."""
    if isinstance(value, int):
        return str(value)
    return pc.cast(pa.scalar(float(value)), pa.string()).as_py()


def excel_serial(value: datetime | date | time) -> float:
    """Excel's day number (1900 system, its 1900 leap-year slip included), as XlsxWriter
    computes it."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
    elif isinstance(value, date):
        delta = datetime.fromordinal(value.toordinal()) - _EPOCH
    else:
        delta = datetime.combine(_EPOCH, value.replace(tzinfo=None)) - _EPOCH
        return (delta.seconds + delta.microseconds / 1e6) / 86400
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return serial + 1 if serial > 59 else serial


DateStyle = Callable[[type], int] | None
"""The format index for a date of a given type, where a column has no number format of its
own (None: the column's format applies to dates too)."""


def cell_xml(ref: str, value, style: int | None, date_style: DateStyle = None) -> str:
    """One cell: ``value`` a text, number, bool, date/time, formula or None; ``style`` the
    cell's format index (None: none)."""
    from recon_lib.report.workbook import Formula

    s = f' s="{style}"' if style else ""
    if isinstance(value, Formula):
        if not value.text.startswith("="):
            raise ValueError(f"not a formula: {value.text!r}")
        result = plain(value.value)
        if isinstance(result, str):
            return (f'<c r="{ref}"{s} t="str"><f>{_xml_text(value.text[1:])}</f>'
                    f'<v>{_xml_text(result)}</v></c>')
        shown = "" if result is None else number_text(result)
        return f'<c r="{ref}"{s}><f>{_xml_text(value.text[1:])}</f><v>{shown}</v></c>'
    value = plain(value)
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, str):
        text = _utf16_cut(sheet_text(value))
        space = ' xml:space="preserve"' if _PRESERVE.search(text) else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_xml_text(text)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{number_text(value)}</v></c>'
    if date_style is not None:
        s = f' s="{date_style(type(value))}"'
    return f'<c r="{ref}"{s}><v>{number_text(excel_serial(value))}</v></c>'


# -- a column at a time -------------------------------------------------------------------------
def _kind(series: pd.Series) -> str:
    """text, number, bool, datetime, or cells (one value at a time)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool" if not series.isna().any() else "cells"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return "text"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in ("string", "empty"):
        return "text"
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "number"
    return "cells"


def _text_cells(series: pd.Series) -> tuple[pa.Array, pa.Array]:
    """(escaped text, whether it needs xml:space="preserve")."""
    a = pa.array(series, type=pa.string(), from_pandas=True)
    a = pc.replace_substring(pc.replace_substring(a, "\r\n", "\n"), "\r", "\n")
    a = pc.replace_substring_regex(a, _NOT_XML_RE2, "\ufffd")
    a = pc.utf8_slice_codeunits(a, 0, MAX_CELL_TEXT)
    long = pc.greater(pc.utf8_length(a), MAX_CELL_TEXT // 2)
    if pc.any(long).as_py():  # rare: cut in UTF-16 units, one by one
        values = a.to_pylist()
        a = pa.array([_utf16_cut(v) if v is not None else None for v in values], pa.string())
    preserve = pc.match_substring_regex(a, _PRESERVE_RE2)
    a = pc.replace_substring_regex(a, _ESCAPE_RE2, r"_x005F\1")
    a = pc.replace_substring(pc.replace_substring(a, "\ufffe", "_xFFFE_"), "\uffff", "_xFFFF_")
    for plain_char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        a = pc.replace_substring(a, plain_char, entity)
    return a, preserve


def _numbers(series: pd.Series) -> pa.Array:
    """A column of numbers as ``<v>`` texts; null where the value is missing or not finite."""
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype):
        return pc.cast(pa.array(series, from_pandas=True), pa.string())
    if pd.api.types.is_object_dtype(series.dtype) and pd.api.types.infer_dtype(
            series, skipna=True) == "integer":
        return pc.cast(pa.array(series, type=pa.int64(), from_pandas=True), pa.string())
    values = pd.to_numeric(series.map(_float) if series.dtype == object else series,
                           errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    floats = pa.array(values, from_pandas=True)
    return pc.if_else(pc.is_finite(floats), pc.cast(floats, pa.string()), None)


def _float(value):
    value = plain(value)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def _serials(series: pd.Series) -> pa.Array:
    stamps = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
    micros = stamps.to_numpy(dtype="datetime64[us]")
    missing = np.isnat(micros)
    days = (micros - _EPOCH_US).astype("int64") / _DAY_US
    days = np.where(days > 59, days + 1, days)
    days[missing] = np.nan
    floats = pa.array(days, from_pandas=True)
    return pc.cast(floats, pa.string())


def column_cells(series: pd.Series, letter: str, rows: pa.Array, style: int | None,
                 date_style: DateStyle) -> pa.Array:
    """The XML of one column's cells (an empty string where a cell is not written)."""
    s = f' s="{style}"' if style else ""
    kind = _kind(series)
    if kind == "cells":
        return pa.array([cell_xml(f"{letter}{r}", v, style, date_style)
                         for r, v in zip(rows.to_pylist(), series.tolist(), strict=True)],
                        pa.string())
    blank = pc.binary_join_element_wise('<c r="', letter, rows, f'"{s}/>', "") if style else ""
    head = ['<c r="', letter, rows, '"']
    if kind == "text":
        text, preserve = _text_cells(series)
        space = pc.if_else(preserve, ' xml:space="preserve"', "")
        cells = pc.binary_join_element_wise(*head, s, ' t="inlineStr"><is><t', space, ">", text,
                                            "</t></is></c>", "")
    elif kind == "bool":
        flags = pc.if_else(pa.array(series, type=pa.bool_()), "1", "0")
        cells = pc.binary_join_element_wise(*head, s, ' t="b"><v>', flags, "</v></c>", "")
    else:
        if kind == "datetime":
            values = _serials(series)
            if date_style is not None:
                s = f' s="{date_style(datetime)}"'
        else:
            values = _numbers(series)
        cells = pc.binary_join_element_wise(*head, s, "><v>", values, "</v></c>", "")
    return pc.fill_null(cells, blank)


def rows_xml(frame: pd.DataFrame, first_row: int, letters: list[str],
             styles: list[int | None], date_styles: list[DateStyle]) -> str:
    """The ``<row>`` elements of ``frame``'s rows, the first numbered ``first_row`` (Excel's,
    from 1); rows without a cell are left out."""
    numbers = pa.array(np.arange(first_row, first_row + len(frame)), pa.int64())
    rows = pc.cast(numbers, pa.string())
    cells = [column_cells(frame.iloc[:, i], letters[i], rows, styles[i], date_styles[i])
             for i in range(frame.shape[1])]
    joined = pc.binary_join_element_wise(*cells, "") if cells else pa.array([""] * len(frame))
    whole = pc.binary_join_element_wise('<row r="', rows, '">', joined, "</row>", "")
    whole = pc.filter(whole, pc.not_equal(joined, ""))
    return "".join(whole.to_pylist())

