"""How values read wherever a person sees them (tables, charts, the summary page, alerts), and
how text is put into a spreadsheet cell or a CSV field so that it stays text."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from decimal import Decimal

import pandas as pd


def yuan(value, decimals: int = 2) -> str:
    """Yuan with thousands separators and the sign in front: ``¥1,234.50``, ``-¥910.28``."""
    number = float(value)
    sign = "-" if number < 0 and round(abs(number), decimals) else ""
    return f"{sign}¥{abs(number):,.{decimals}f}"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet program read a cell's text as a formula (OWASP, CSV injection)."""
MAX_CELL_TEXT = 32767
"""The most characters an Excel cell holds."""
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE


def plain(value):
    """A value as a workbook or CSV takes it: None, str, bool, int, float, datetime, date or
    time. Missing values (None, NaN, NaT, pd.NA) are None; numpy and Decimal numbers plain
    numbers; anything else its ``str``."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if value is None or isinstance(value, str | bool | int | datetime | date | time):
        return value
    if hasattr(value, "item") and not isinstance(value, pd.Series | pd.DataFrame):
        return plain(value.item())  # numpy scalars
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def sheet_text(text) -> str:
    """What a text cell holds, read back: line ends as ``\n`` (XML reads a bare CR as one),
    characters XML cannot carry (other control characters) as U+FFFD, at most 32,767
    characters. ``recon resolve`` compares the register with this, so a value reads back as
    itself."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("\ufffd", text)[:MAX_CELL_TEXT]


def csv_text(value) -> str:
    """Text for a CSV field: ``'`` in front when a spreadsheet would run it as a formula
    (``=``, ``+``, ``-``, ``@``, tab, carriage return), as OWASP recommends."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
