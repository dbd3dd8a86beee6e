"""The vectorised parsers agree with the one-by-one parsers they stand in front of.

Numbers are parsed a whole column at a time in Arrow; the cells that path does not take (bad
ones among them) go through the one-by-one parser, which is the reference: for every cell the
value, its type and exponent, and the problem's wording must be what the reference gives.
"""

from __future__ import annotations

import random
import re
import sys
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recon_lib.load import readers, values
from recon_lib.load.cells import Cells, arrow_text, search

TYPES = ("DECIMAL(18,2)", "DECIMAL(12,4)", "DECIMAL(8,1)", "DECIMAL(6,4)", "DECIMAL(10,6)",
         "DECIMAL(18,6)", "DECIMAL(20,2)", "INTEGER", "BIGINT", "DECIMAL(18,0)")

_DIGITS = "0123456789"
_FULL = "０１２３４５６７８９"
_PIECES = ["", "-", "+", "－", "＋", "(", ")", "（", "）", ",", "，", ".", "．", "e", "E", "e-", "¥",
           "￥", "$", "元", "RMB", "rmb", "CNY", " ", "\u3000", "\xa0", "\t", "\v", "\u2028", "0",
           "00", "5", "9", "999", "1,234", "1,23", "12,345,678", "٣", "x", "--", "—", "#", "%"]


def _cell(rng: random.Random) -> str:
    """A cell a merchant's export might hold, or something close to it."""
    kind = rng.random()
    if kind < 0.35:  # a plain number
        size = rng.choice([1, 1, 2, 3, 3, 4, 5, 6, 8, 12, 15, 16, 19, 22])
        whole = "".join(rng.choice(_DIGITS) for _ in range(size))
        text = whole.lstrip("0") or "0"
        if rng.random() < 0.7:
            text += "." + "".join(rng.choice(_DIGITS) for _ in range(rng.randint(0, 9)))
        if rng.random() < 0.3:
            text = rng.choice("-+") + text
        if rng.random() < 0.1:
            text = text.translate(str.maketrans(_DIGITS + ".", _FULL + "．"))
        if rng.random() < 0.15:
            text = f"({text})"
        if rng.random() < 0.15:
            text = rng.choice(["¥", "￥", "$", "RMB ", "¥ "]) + text
        if rng.random() < 0.1:
            text += rng.choice(["元", " 元", " CNY", "rmb"])
        return text
    if kind < 0.55:  # thousands, money, a decimal comma
        whole = f"{rng.randint(0, 10 ** rng.choice([1, 3, 4, 6, 7, 9, 16])):,}"
        if rng.random() < 0.3:
            whole = whole.replace(",", rng.choice([".", " ", "，"]))
        fraction = "".join(rng.choice(_DIGITS) for _ in range(rng.randint(0, 5)))
        point = rng.choice([".", ",", "．"])
        text = whole + (point + fraction if fraction or rng.random() < 0.2 else "")
        return rng.choice(["", "-", "¥", "(", "￥-"]) + text + rng.choice(["", ")", "元", " "])
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 6)))


def _same(got, want) -> None:
    values_got, problems_got = got
    values_want, problems_want = want
    assert [type(v) for v in values_got] == [type(v) for v in values_want]
    assert [repr(v) for v in values_got] == [repr(v) for v in values_want]
    assert problems_got == problems_want


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("decimal", [".", ","])
@pytest.mark.parametrize("negate", [False, True])
def test_a_large_table_of_tricky_numbers_parses_as_one_by_one(type_, decimal, negate):
    rng = random.Random(f"{type_}{decimal}{negate}")
    cells = [_cell(rng) for _ in range(4000)]
    raw = pd.Series(cells, index=np.arange(2, 2 + len(cells)) * 3, dtype="str")
    _same(values.parse(raw, type_, negate=negate, decimal=decimal),
          values._numbers_one_by_one(raw, type_, negate, decimal))
    taken, _ = values._numbers_at_once(raw, type_, negate, decimal)
    if type_ != "DECIMAL(20,2)":  # wider than int64: one by one
        assert taken.sum() > len(cells) / 20  # the table does test the vectorised path


_number_text = st.one_of(
    st.text(alphabet="".join(_PIECES) + _DIGITS + _FULL, max_size=12),
    st.builds(lambda parts: "".join(parts), st.lists(st.sampled_from(_PIECES + list(_DIGITS)),
                                                    max_size=8)),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers().map(str),
    st.text(max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_number_text, min_size=1, max_size=30), type_=st.sampled_from(TYPES),
       decimal=st.sampled_from([".", ","]), negate=st.booleans())
def test_numbers_agree_with_the_one_by_one_parser(cells, type_, decimal, negate):
    raw = pd.Series([c.strip(values.STRIP) for c in cells], dtype="str")
    with mock.patch.object(values, "_AT_ONCE_FROM", 0):  # however few the cells
        got = values.parse(raw, type_, negate=negate, decimal=decimal)
    _same(got, values._numbers_one_by_one(raw, type_, negate, decimal))


def test_re2_space_is_pythons_whitespace():
    python = sorted(chr(c) for c in range(sys.maxunicode + 1) if re.match(r"\s", chr(c)))
    cells = pd.Series([*python, "a", "\u200b", "\ufeff", " a"], dtype="str")
    hit = pc.match_substring_regex(arrow_text(cells), f"^{values.RE2_SPACE}$")
    assert [c for c, h in zip(cells, hit.to_pylist(), strict=True) if h] == python


_date_text = st.one_of(
    st.sampled_from(["2026-10-05", "2026/10/05 13:45:00", "2026-10-05\u3000 13:45", "10-05",
                     "2026年10月05日", "２０２６－１０－０５", "46000", "46000.5", "20261005",
                     "2026-10-05T13:45:00+08:00", "2026-10-05 13:45 PST", "2026-02-30", "",
                     "2026-10-05\t\t13:45:00", "2026-10-05\u2028 13:45:00", "x", "ﬁ\u0301"]),
    st.text(alphabet="0123456789-/: 年月日T+\u3000\t\x1c\x85\u2028\u2003ｱ\u0301", max_size=20),
    st.text(max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_date_text, min_size=1, max_size=20))
def test_date_text_is_folded_as_pythons_nfkc_and_whitespace(cells):
    raw = pd.Series(cells, index=range(5, 5 + len(cells)), dtype="str")
    pd.testing.assert_series_equal(values._folded(raw), _pandas_folded(raw))


_zoned_text = st.one_of(
    _date_text,
    st.builds("".join, st.lists(st.sampled_from(
        ["2026-10-05", " ", "13:45", ":00", ".5", "+08:00", "-0400", "PST", "CST", "Z", "AM",
         "pm", "UTC", "٣", "１", "T", "\t", "GMT+8", "+8"]), max_size=6)),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_zoned_text, min_size=1, max_size=20))
def test_times_with_a_zone_are_found_as_pythons_re_finds_them(cells):
    folded = values._folded(pd.Series(cells, dtype="str"))
    pd.testing.assert_frame_equal(values._zoned_parts(folded),
                                  folded.str.extract(values._ZONED).dropna())


def _pandas_folded(raw: pd.Series) -> pd.Series:
    """How the date text was folded before, with Python's re per cell."""
    return raw.str.normalize("NFKC").str.strip().str.replace(r"\s+", " ", regex=True)


@pytest.mark.parametrize("type_", ["DATE", "TIMESTAMP"])
def test_a_large_table_of_dates_parses_as_with_pythons_folding(type_, monkeypatch):
    """Dates of every form a profile or the built-in formats read, and bad ones."""
    from recon_lib.periods import parse_period

    rng = random.Random(type_)
    forms = ["%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日", "%m-%d", "%Y%m%d", "%d.%m.%Y"]
    cells = []
    for _ in range(3000):
        moment = pd.Timestamp("2026-01-01") + pd.Timedelta(seconds=rng.randint(0, 10 ** 8))
        text = moment.strftime(rng.choice(forms))
        if rng.random() < 0.2:
            text = text.replace(" ", rng.choice(["  ", "\u3000", "\t"]))
        if rng.random() < 0.1:
            text = text.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
        if rng.random() < 0.05:
            text = rng.choice(["-", "", "n/a", "2026-13-01", "46000.25", "02-29"])
        cells.append(text)
    raw = pd.Series(cells, dtype="str")
    kwargs = {"formats": ("%m-%d", "%d.%m.%Y"), "period": parse_period("2026-10")}
    got = values.parse(raw, type_, **kwargs)
    monkeypatch.setattr(values, "_folded", _pandas_folded)
    want = values.parse(raw, type_, **kwargs)
    assert [repr(v) for v in got[0]] == [repr(v) for v in want[0]] and got[1] == want[1]
    assert sum(v is not None for v in got[0]) > 2000


# -- reading ----------------------------------------------------------------------------------
_CSV = ["a", "b", ",", ";", "\t", " ", "\n", "\r\n", "\r", '"', '""', "=", '="0', "\u3000", "中",
        "\ufeff", "\xa0"]


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(_CSV), max_size=25).map("".join),
       delimiter=st.sampled_from([",", "\t", ";", " "]))
def test_csv_text_splits_as_the_csv_module_does(text, delimiter):
    try:
        want = readers.csv_rows(text, delimiter, "f.csv")
    except Exception as exc:  # noqa: BLE001 - the same error either way
        with pytest.raises(type(exc)):
            readers.text_cells(text, delimiter, "f.csv")
        return
    assert readers.text_cells(text, delimiter, "f.csv").rows() == want


def test_cells_keep_short_rows_apart_from_empty_cells():
    cells = Cells.from_rows([(1, ["a", ""]), (2, ["b"]), (4, [])])
    assert cells.rows() == [(1, ["a", ""]), (2, ["b"]), (4, [])]
    assert search(cells.column(1), "^$").tolist() == [True, False, False]
    assert cells.blank().tolist() == [False, False, True]
    assert cells.take([2, 0]).rows() == [(4, []), (1, ["a", ""])]
    assert cells.position(4) == 2 and cells.position(3) is None
    assert cells.text(1, index=cells.numbers).tolist() == ["", "", ""]


def test_sheet_cells_render_as_cell_text():
    from datetime import date, datetime, time

    rows = [["x ", 1.0, 2.5, 1e20, 1.5e-7, -0.0, True, None, datetime(2026, 10, 5, 1, 2, 3),
             date(2026, 10, 5), time(1, 2), 7, float("nan")], ["only"]]
    got = readers.sheet_cells(rows).rows()
    assert got == [(1, [readers.cell_text(c) for c in rows[0]]), (2, ["only"])]


@pytest.mark.parametrize("type_", ["DATE", "TIMESTAMP"])
def test_repeated_dates_are_parsed_once_each_with_the_same_result(type_):
    from recon_lib.periods import parse_period

    rng = random.Random(type_)
    pool = ["2026-10-05", "2026/10/06 08:00:00", "10-07", "bad", "", "-", "2026-02-30",
            "2026-10-05 13:45 PST", "46000.5", "２０２６－１０－０８", "2026年10月09日"]
    raw = pd.Series([rng.choice(pool) for _ in range(500)], index=range(7, 507), dtype="str")
    kwargs = {"formats": ("%m-%d",), "period": parse_period("2026-10")}
    got = values.parse(raw, type_, **kwargs)
    want = values._temporal_rows(raw, values.kind(type_), kwargs["formats"], kwargs["period"])
    assert [repr(v) for v in got[0]] == [repr(v) for v in want[0]]
    assert got[1] == want[1] and len(got[1]) > 50
