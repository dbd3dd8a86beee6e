"""Value parsing: numbers, money, dates, time zones, booleans, and the messages users see."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recon_lib.load import values
from recon_lib.periods import parse_period

MONEY = "DECIMAL(18,2)"


def parse(cells, type_, **kwargs):
    series = pd.Series(cells, index=range(10, 10 + len(cells)), dtype="str")
    out, problems = values.parse(series, type_, **kwargs)
    return list(out), problems


@pytest.mark.parametrize(("cell", "expected"), [
    ("1234.56", "1234.56"), ("1,234.56", "1234.56"), ("¥1,234.56", "1234.56"),
    ("￥88元", "88.00"), ("RMB 100", "100.00"), ("  66.6  ", "66.60"), ("(12.30)", "-12.30"),
    ("+5", "5.00"), ("-0.5", "-0.50"), ("0.125", "0.13"), ("2.675", "2.68"), ("-2.675", "-2.68"),
    ("１２.５", "12.50"), ("1e3", "1000.00"), ("-0", "0.00"),
])
def test_money(cell, expected):
    out, problems = parse([cell], MONEY)
    assert problems == []
    assert out == [Decimal(expected)] and str(out[0]) == expected


@pytest.mark.parametrize("cell", ["", "-", "--"])
def test_placeholders_are_null_for_numbers_and_dates(cell):
    assert parse([cell], MONEY) == ([None], [])
    assert parse([cell], "TIMESTAMP") == ([None], [])
    assert parse([cell], "VARCHAR")[0] == [None if cell == "" else cell]


def test_number_problems_name_the_row_and_the_value():
    out, problems = parse(["1.00", "12a", "1,2", "abc"], MONEY)
    assert out == [Decimal("1.00"), None, None, None]
    assert problems == [(11, "expected a number, got '12a' (like 1234.56)"),
                        (12, "expected a number, got '1,2' (like 1234.56)"),
                        (13, "expected a number, got 'abc' (like 1234.56)")]


def test_integers():
    out, problems = parse(["3", "3.0", "2.5", "1,000", "99999999999"], "INTEGER")
    assert out == [3, 3, None, 1000, None]
    assert [type(v) for v in out[:2]] == [int, int]
    assert problems == [(12, "expected a whole number, got '2.5' (like 3)"),
                        (14, "number '99999999999' is too large for INTEGER")]


def test_negate_and_scale_of_weights():
    assert parse(["-34.56", "(2)"], MONEY, negate=True)[0] == [Decimal("34.56"), Decimal("2.00")]
    assert parse(["1.2345"], "DECIMAL(12,3)")[0] == [Decimal("1.235")]


def test_too_large_for_the_decimal():
    _, problems = parse(["12345678901234567.00"], MONEY)
    assert problems == [(10, "number '12345678901234567.00' is too large for DECIMAL(18,2)")]


@given(st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False))
def test_formatted_money_reads_back_exactly(amount):
    shown = f"¥{abs(amount):,.2f}"
    cell = f"({shown})" if amount < 0 else shown
    out, problems = parse([cell], MONEY)
    assert problems == [] and out[0] == amount


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026-10-05", datetime(2026, 10, 5)),
    ("2026-10-05 13:45:00", datetime(2026, 10, 5, 13, 45)),
    ("2026-10-05 13:45", datetime(2026, 10, 5, 13, 45)),
    ("2026-10-05T13:45:00", datetime(2026, 10, 5, 13, 45)),
    ("2026-10-05 13:45:00.250", datetime(2026, 10, 5, 13, 45, 0, 250000)),
    ("2026/10/05", datetime(2026, 10, 5)),
    ("2026/1/5 8:05", datetime(2026, 1, 5, 8, 5)),
    ("2025/12/05  20:37:39", datetime(2025, 12, 5, 20, 37, 39)),
    ("20261005", datetime(2026, 10, 5)),
    ("2026年10月5日", datetime(2026, 10, 5)),
    ("45931", datetime(2025, 10, 1)),
    ("45931.5", datetime(2025, 10, 1, 12)),
    ("2026-06-16 00:00:00 UTC", datetime(2026, 6, 16, 8)),
    ("2026-10-05T10:00:00+08:00", datetime(2026, 10, 5, 10)),
    ("2026-10-05T10:00:00Z", datetime(2026, 10, 5, 18)),
    ("2026-10-05 10:00:00 -0400", datetime(2026, 10, 5, 22)),
    ("2026-10-05 23:30:00-04:00", datetime(2026, 10, 6, 11, 30)),
])
def test_timestamps(cell, expected):
    out, problems = parse([cell], "TIMESTAMP")
    assert problems == []
    assert out == [expected] and type(out[0]) is datetime


def test_dates_are_dates():
    out, problems = parse(["2026-10-05", "2026-10-05 00:00:00", "45931"], "DATE")
    assert problems == []
    assert out == [date(2026, 10, 5), date(2026, 10, 5), date(2025, 10, 1)]
    assert all(type(v) is date for v in out)


def test_profile_formats_come_first():
    out, problems = parse(["05/10/2026 13:45", "2026-10-05"], "TIMESTAMP",
                          formats=("%d/%m/%Y %H:%M",))
    assert problems == []
    assert out == [datetime(2026, 10, 5, 13, 45), datetime(2026, 10, 5)]


def test_formats_with_an_offset():
    out, _ = parse(["2026-10-05 10:00:00 +0000"], "TIMESTAMP", formats=("%Y-%m-%d %H:%M:%S %z",))
    assert out == [datetime(2026, 10, 5, 18)]


def test_dates_without_a_year_take_the_period_year():
    out, problems = parse(["10-05", "10-31"], "DATE", formats=("%m-%d",),
                          period=parse_period("2026-10"))
    assert problems == [] and out == [date(2026, 10, 5), date(2026, 10, 31)]


def test_december_lines_read_in_january_are_last_year():
    out, problems = parse(["12-28", "01-03", "03-15"], "DATE", formats=("%m-%d",),
                          period=parse_period("2027-01"))
    assert problems == []
    assert out == [date(2026, 12, 28), date(2027, 1, 3), date(2027, 3, 15)]


def test_february_29_needs_a_leap_year():
    ok, _ = parse(["02-29"], "DATE", formats=("%m-%d",), period=parse_period("2028-02"))
    assert ok == [date(2028, 2, 29)]
    _, problems = parse(["02-29"], "DATE", formats=("%m-%d",), period=parse_period("2026-02"))
    assert problems == [(10, "'02-29' is not a valid date in 2026")]


def test_date_problem_says_what_was_expected():
    _, problems = parse(["2026-13-45", "yesterday", "12345"], "TIMESTAMP")
    assert problems == [
        (10, "expected a date like 2026-10-05 or 2026-10-05 13:45:00, got '2026-13-45'"),
        (11, "expected a date like 2026-10-05 or 2026-10-05 13:45:00, got 'yesterday'"),
        (12, "expected a date like 2026-10-05 or 2026-10-05 13:45:00, got '12345'"),
    ]
    _, problems = parse(["x"], "DATE", formats=("%m-%d",), period=parse_period("2026-10"))
    assert problems == [(10, "expected a date like 10-05 or 2026-10-05, got 'x'")]


def test_booleans():
    out, problems = parse(["是", "否", "TRUE", "false", "1", "0", "Y", "n", "", "maybe"], "BOOLEAN")
    assert out == [True, False, True, False, True, False, True, False, None, None]
    assert problems == [(19, "expected yes or no (是/否, true/false, 1/0, Y/N), got 'maybe'")]


def test_text_keeps_leading_zeros_and_empty_is_null():
    assert parse(["007", "", "A-1"], "VARCHAR") == (["007", None, "A-1"], [])


def test_header_key():
    assert values.header_key(" 计费重量（KG） ") == values.header_key("计费重量(kg)")
    assert values.header_key("Order ID") == "orderid"


def test_a_date_without_a_year_needs_a_period():
    _, problems = parse(["10-05"], "DATE", formats=("%m-%d",))
    assert problems == [(10, "'10-05' has no year and no period was given to take it from")]
