"""Which courier a waybill belongs to: the bill it is on, else the form of its number.

A dispatch list that names no courier (a warehouse's 销售出库明细) reads its carrier with
``carrier: {from_bill: tracking_no}``. Once every file of a folder is read, the carrier of each
waybill is the carrier of the courier bill of the same load that lists it; a waybill on no bill
gets the courier whose number format it has (``PATTERNS``). The patterns of the letter-prefixed
formats (SF, JD, YT, DPK, EMS's international form) are reliable; the all-digit formats of ZTO,
Yunda, Best, STO and EMS overlap, so a number two patterns fit is refused rather than guessed:
the bill it is on decides, and without one it is a problem naming the waybill.

Other columns a shipments profile reads with ``from_bill`` (the ``service``, say) come from what
the bills give about their waybills (a bill profile's ``shipment_columns``, e.g. SF's 产品类型).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from recon_lib.errors import Problem

PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("SF", r"SF\d{10,16}", "SF1311234567890"),
    ("JDL", r"JD[A-Z]{1,2}\d{10,14}", "JDVA11408814483"),
    ("YTO", r"YT\d{10,18}", "YT7512345678901"),
    ("DEPPON", r"DPK\d{11,13}", "DPK300585915441"),
    ("EMS", r"[A-Z]{2}\d{9}[A-Z]{2}|(?:10|11|50|51|95|97|98)\d{11}", "EA123456789CN, 1012345678901"),
    ("ZTO", r"[5-7]\d{13}", "73100000000001"),
    ("YD", r"[34]\d{12}|4\d{14}", "4312345678901, 462598779470531"),
    ("STO", r"77\d{13}|(?:268|368|468|568|668|768|868|888|968)\d{9}", "773165231258960"),
    ("BEST", r"7\d{13}|5\d{11}", "71234567890123, 557012345678"),
)
"""(carrier code, the whole waybill's regular expression, an example). DEPPON (德邦) is not a
code of the courier bills (its bills have no built-in layout) but may be a parcel's carrier. A
14-digit number starting with 7 fits both ZTO and BEST: such a number needs its bill."""

FACT_PREFIX = "shipment:"
"""Bill lines carry what a bill says about their waybill in columns named ``shipment:<column>``
(``shipment:service``), never stored: see ``Profile.shipment_columns``."""

_COMPILED = tuple((code, re.compile(rx)) for code, rx, _ in PATTERNS)
SHOWN = 10
"""Problems named one by one per file and column; the rest are counted in one more."""


def carriers(waybills: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(carrier, the carriers that fit) per waybill by its form: the carrier where exactly one
    pattern fits the whole number (upper-cased, spaces removed), else None; the fitting codes
    joined with ``/`` (empty when none fits)."""
    text = waybills.fillna("").astype("str")
    unique = pd.Index(text.unique())
    clean = pd.Series(unique, index=unique).str.upper().str.replace(r"\s+", "", regex=True)
    names = pd.Series("", index=unique, dtype="str")
    count = np.zeros(len(unique), dtype=np.int64)
    for code, rx in _COMPILED:
        fit = clean.str.fullmatch(rx.pattern).fillna(False).to_numpy(dtype=bool)
        count += fit
        names = names + np.where(fit, f"{code}/", "")
    names = names.str.rstrip("/")
    chosen = text.map(names.where(count == 1, None))
    return chosen.astype(object).where(chosen.notna() & (text != ""), None), \
        text.map(names).fillna("")


def bill_facts(facts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """What the load's bills say about each waybill: one row per waybill (index), columns
    ``carrier`` and the ``shipment:<column>`` facts. A freight line's value goes before the
    other lines' (a value-added line repeats the waybill); ``carrier`` is None for a waybill
    that bills of two couriers list."""
    frames = [f for f in facts if len(f)]
    if not frames:
        return pd.DataFrame()
    lines = pd.concat(frames, ignore_index=True)
    lines = lines[lines["waybill_no"].notna()]
    order = np.argsort((lines["fee_type"] != "freight").to_numpy(), kind="stable")
    lines = lines.iloc[order]
    out = {}
    for column in [c for c in lines.columns if c == "carrier" or c.startswith(FACT_PREFIX)]:
        known = lines[["waybill_no", column]].dropna()
        first = known.drop_duplicates("waybill_no").set_index("waybill_no")[column]
        if column == "carrier":
            several = known.drop_duplicates().groupby("waybill_no")[column].size() > 1
            first = first.where(~first.index.isin(several.index[several]), None)
        out[column] = first
    return pd.DataFrame(out)


def fill(frame: pd.DataFrame, from_bill: dict[str, str], facts: pd.DataFrame,
         label: str) -> list[Problem]:
    """Give ``frame`` its ``from_bill`` columns (in place) from the bills' ``facts``; a carrier no
    bill gives comes from the waybill's form. Problems: waybills whose carrier is unknown."""
    problems: list[Problem] = []
    for column, waybill_column in from_bill.items():
        waybills = frame[waybill_column]
        source = "carrier" if column == "carrier" else FACT_PREFIX + column
        given = waybills.map(facts[source]) if source in facts else \
            pd.Series(None, index=frame.index, dtype=object)
        given = given.astype(object).where(given.notna(), None)
        if column == "carrier":
            missing = given.isna() & waybills.notna()
            if missing.any():
                by_form, fits = carriers(waybills[missing])
                given[missing] = by_form
                problems += _unknown(frame, waybills, missing & given.isna(), fits, label)
        # object dtype: pandas would make a column of text and None a str column of NaN
        frame[column] = pd.Series(given.astype(object).where(given.notna(), None),
                                  index=frame.index, dtype=object)
    return problems


def _unknown(frame: pd.DataFrame, waybills: pd.Series, unknown: pd.Series, fits: pd.Series,
             label: str) -> list[Problem]:
    rows = frame.loc[unknown, "source_row"]
    problems = []
    for index, row in rows.iloc[:SHOWN].items():
        codes = fits.get(index, "")
        why = (f"its number fits the formats of {codes.replace('/', ' and ')}" if codes else
               "its number fits no courier's format recon knows")
        problems.append(Problem(label, f"the carrier of waybill {waybills[index]!r} is not known: "
                                       f"no courier bill of this load lists it and {why}; put "
                                       "its bill in the folder, or give the file a carrier "
                                       "column", int(row), "carrier"))
    if len(rows) > SHOWN:
        problems.append(Problem(label, f"... and {len(rows) - SHOWN:,} more waybill(s) whose "
                                       "carrier is not known", None, "carrier"))
    return problems
