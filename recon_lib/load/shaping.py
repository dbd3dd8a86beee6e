"""A column rule's cell text, shaped and typed: ``fill_down``, ``empty_if``, ``extract``,
``map``/``patterns``, ``province_from``, ``default``, then the column's type (``values.parse``).

Each step works on a whole column (a pandas ``str`` Series indexed by row number). Regular
expressions written in profiles are Python's: where pandas would hand them to Arrow's RE2 with a
different meaning it falls back to Python itself, and the steps here that loop do so over the
column's distinct texts only.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon_lib import geo, schema
from recon_lib.load import values
from recon_lib.load.cells import TEXT, Cells, arrow_text, bools, text_series
from recon_lib.load.profile import ColumnRule
from recon_lib.periods import Period

Found = list[tuple[object, str]]

"""(row, message) of the cells a step could not take."""


def blank_if(raw: pd.Series, pattern: str | None) -> pd.Series:
    """Cells ``empty_if`` is found in are empty."""
    if pattern is None:
        return raw
    return raw.where(~raw.str.contains(pattern, regex=True), "")


def filled(body: Cells, position: int) -> pd.Series:
    """A column's cells over every row below the header, empty ones taking the last value."""
    cells = body.text(position, index=body.numbers)
    return cells.where(cells != "").ffill().fillna("")


def extract(raw: pd.Series, rule: ColumnRule) -> tuple[pd.Series, Found]:
    """The part of each cell ``extract`` captures; unmatched cells are errors or empty."""
    compiled = re.compile(rule.extract)
    pattern = rule.extract if compiled.groups else f"({rule.extract})"
    found = raw.str.extract(pattern, expand=False)
    matched = {text: compiled.search(text) is not None for text in raw.unique()}
    unmatched = (raw != "") & ~raw.map(matched).astype(bool)
    problems = []
    if rule.unmatched == "error":
        problems = [(row, f"{text!r} does not have the expected form (the profile's pattern "
                          f"{rule.extract!r})") for row, text in raw[unmatched].items()]
    return found.fillna("").astype("str").str.strip(values.STRIP), problems


def mapped(raw: pd.Series, rule: ColumnRule) -> tuple[pd.Series, Found]:
    """``map`` or ``patterns`` applied to non-empty cells; unknown values are problems unless
    ``map_default`` names their value. Empty cells stay empty."""
    empty = raw == ""
    problems: Found = []
    text = arrow_text(raw)
    if rule.map is not None:
        keys, targets = list(rule.map), list(rule.map.values())
        accepted = ", ".join(repr(k) for k in rule.map)
    else:  # each distinct text searched once, the first pattern found wins
        codes = pc.dictionary_encode(text)
        keys = codes.dictionary.to_pylist()
        targets = [next((v for p, v in rule.patterns if re.search(p, t)), None) if t else None
                   for t in keys]
        accepted = "values matching " + ", ".join(repr(p) for p, _ in rule.patterns)
    at = pc.index_in(text, value_set=pa.array(keys, TEXT))
    found = pa.array(targets, TEXT).take(at)
    known = pd.Series(bools(found.is_valid()), index=raw.index)
    out = text_series(found.fill_null(""), raw.index)
    unknown = ~known & ~empty
    if rule.map_default is not None:
        out = out.where(~unknown, rule.map_default)
    else:
        problems += [(row, f"unexpected value {text!r}; accepted: {accepted}")
                     for row, text in raw[unknown].items()]
    return out.astype("str"), problems


def province(raw: pd.Series, rule: ColumnRule) -> tuple[pd.Series, Found]:
    """``province_from: city``: each place name (成都市, 安徽省安庆市) becomes its province's short
    name (四川, 安徽). A name recon does not know is a problem, unless ``unmatched: empty``."""
    known = {text: geo.province_of(text) or "" for text in raw.unique() if text}
    out = raw.map(known).fillna("").astype("str")
    problems: Found = []
    if rule.unmatched == "error":
        unknown = (raw != "") & (out == "")
        problems = [(row, f"{text!r} is not a province, nor a city of mainland China recon knows "
                          f"(prefecture-level cities, 地区, 自治州 and 盟: {geo.CITIES_FILE}); "
                          "write its province in the file, or set unmatched: empty in the "
                          "profile to leave such cells without a province")
                    for row, text in raw[unknown].items()]
    return out, problems


def column(raw: pd.Series, rule: ColumnRule | None, col: schema.Column,
           period: Period) -> tuple[np.ndarray, Found]:
    """Map, default and parse one column's (shaped) cells. ``negate`` is applied later."""
    problems: Found = []
    if rule is None:
        return np.full(len(raw), None, dtype=object), problems
    if values.kind(col.type) != "text":
        empty = pd.Series(values.placeholder(arrow_text(raw)), index=raw.index)
    else:
        empty = raw == ""
    if rule.province_from is not None:
        raw, problems = province(raw.where(~empty, ""), rule)
    if rule.map is not None or rule.patterns:
        raw, problems = mapped(raw.where(~empty, ""), rule)
    if rule.default is not None:
        raw = raw.where(~empty, rule.default)
    parsed, found = values.parse(raw, col.type, formats=rule.formats, period=period,
                                 decimal=rule.decimal, timezone=rule.timezone)
    return parsed, problems + found
