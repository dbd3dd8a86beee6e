"""Mask customers' personal data for display: 张** / 138****1234 / 人民路***.

Raw values stay in the database; everything shown to people (reports, exports, logs) goes through
these functions.
"""

from __future__ import annotations

import re

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
    if len(digits) < 7:
        return "*" * len(digits) or None
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str | None) -> str | None:
    if address is None or pd.isna(address) or not str(address).strip():
        return None
    address = str(address).strip()
    return address[:3] + "***"


_MASKS = {"name": mask_name, "phone": mask_phone, "address": mask_address}


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every personal column masked."""
    out = df.copy()
    for col, kind in PERSONAL_COLUMNS.items():
        if col in out:
            out[col] = out[col].map(_MASKS[kind])
    return out
