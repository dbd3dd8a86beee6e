"""Mask customers' personal data for display: 张** / 138****1234 / 人民路***.

Raw values stay in the database; everything shown to people (reports, exports, logs) goes through
these functions.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

PERSONAL_COLUMNS = {"customer_name": "name", "customer_phone": "phone", "ship_address": "address"}


def mask_name(name: str | None) -> str | None:
    if name is None or pd.isna(name) or not str(name).strip():
        return None
    name = str(name).strip()
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    if phone is None or pd.isna(phone):
        return None
    digits = re.sub(r"\D", "", str(phone))
    if len(digits) < 8:   # its first three and last four digits would be all of it
        return "*" * len(digits) or None
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str | None) -> str | None:
    if address is None or pd.isna(address) or not str(address).strip():
        return None
    address = str(address).strip()
    return address[:3] + "***"


_MASKS = {"name": mask_name, "phone": mask_phone, "address": mask_address}

TEXT_VALUE = "a text value"
"""How a message names a cell it must not quote (see :func:`looks_personal`)."""

# Ideographs a date or an amount may carry (2026年10月5日 星期一 下午, 12元, 3万); any other one
# is words.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_WORDS = str.maketrans("", "", "年月日时分秒点元角万千百上下午周星期天一二三四五六七八九十〇零")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_TEXT = re.compile(r"\+?[\d\s()\-]{7,}")
_STREET = re.compile(r"\d+\s*\w*[ ,]+.*\b(?:st|street|rd|road|ave|avenue|blvd|boulevard|lane|ln|"
                     r"dr|drive|way|court|ct|strasse|straße|str)\b", re.IGNORECASE)


def looks_personal(text) -> bool:
    """Whether a cell's text may be someone's name, address, phone or e-mail: Chinese words
    (a name, an address, a buyer's note), a phone number (138-0013-8000, +86 ..., 010-...), an
    e-mail address or a street address. Messages about a number, date or yes/no cell holding
    such a value say "a text value" instead of quoting it: the value may have strayed there
    from a personal column (a stray comma in 收货人 shifts the address into 商品金额)."""
    if text is None:
        return False
    text = unicodedata.normalize("NFKC", str(text)).strip()
    if _CJK.search(text.translate(_NOT_WORDS)) or _EMAIL.search(text) or _STREET.search(text):
        return True
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7 or not _PHONE_TEXT.fullmatch(text):
        return False
    return (text.startswith("+") or re.fullmatch(r"(?:86)?1[3-9]\d{9}", digits) is not None
            or re.fullmatch(r"0\d{9,11}", digits) is not None)


def quote_cell(text) -> str:
    """A cell's text for a message: ``'12a'``, or "a text value" when it looks personal."""
    return TEXT_VALUE if looks_personal(text) else repr(text)


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every personal column masked."""
    out = df.copy()
    for col, kind in PERSONAL_COLUMNS.items():
        if col in out:
            out[col] = out[col].map(_MASKS[kind])
    return out
