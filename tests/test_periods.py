from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from recon_lib.errors import InputError
from recon_lib.load import values
from recon_lib.periods import Period, parse_period


def test_month_bounds_and_neighbours():
    p = parse_period("2026-12")
    assert (p.start, p.end, p.label, p.kind) == (date(2026, 12, 1), date(2027, 1, 1), "2026-12",
                                                 "month")
    assert p.previous().label == "2026-11"
    assert p.next().label == "2027-01"
    assert p.last_day == date(2026, 12, 31)
    assert p.bounds() == {"period_start": datetime(2026, 12, 1), "period_end": datetime(2027, 1, 1)}


def test_iso_week_runs_monday_to_sunday():
    p = parse_period("2026-W43")
    assert (p.start, p.end, p.kind, p.label) == (date(2026, 10, 19), date(2026, 10, 26), "week",
                                                 "2026-W43")
    assert p.start.weekday() == 0 and p.days == 7
    assert p.previous().label == "2026-W42" and p.next().label == "2026-W44"
    assert parse_period("2026w43") == p  # case and the dash are forgiven; the label is normal


def test_iso_week_across_the_new_year_takes_the_iso_year():
    # 2026-12-28 is the Monday of ISO week 53 of 2026; 2027-W01 starts on 2027-01-04
    last = parse_period("2026-W53")
    assert (last.start, last.end) == (date(2026, 12, 28), date(2027, 1, 4))
    assert last.next().label == "2027-W01"
    assert parse_period("2027-W01").previous() == last
    assert parse_period("2021-W01").start == date(2021, 1, 4)  # 2021-01-01 belongs to 2020-W53


def test_day_and_its_neighbours_cross_months_and_leap_days():
    p = parse_period("2028-02-29")
    assert (p.start, p.end, p.kind) == (date(2028, 2, 29), date(2028, 3, 1), "day")
    assert p.next().label == "2028-03-01"
    assert parse_period("2026-11-01").previous().label == "2026-10-31"


def test_range_is_inclusive_and_its_previous_has_the_same_length():
    p = parse_period("2026-10-01..2026-10-15")
    assert (p.start, p.end, p.kind, p.days) == (date(2026, 10, 1), date(2026, 10, 16), "range", 15)
    assert p.label == "2026-10-01..2026-10-15"
    assert p.previous().label == "2026-09-16..2026-09-30"
    assert p.next().label == "2026-10-16..2026-10-30"
    assert parse_period(" 2026-10-01 .. 2026-10-15 ") == p


@pytest.mark.parametrize("text, label, kind", [
    ("2026-10-01..2026-10-31", "2026-10", "month"),
    ("2026-10-19..2026-10-25", "2026-W43", "week"),
    ("2026-10-15..2026-10-15", "2026-10-15", "day"),
    ("2026-10-19..2026-10-26", "2026-10-19..2026-10-26", "range"),
])
def test_a_range_that_is_a_month_week_or_day_is_normalised(text, label, kind):
    p = parse_period(text)
    assert (p.label, p.kind) == (label, kind)
    assert parse_period(p.label) == p  # every label parses back to the same period


def test_day_list_and_covers():
    week = parse_period("2026-W43")
    days = week.day_list()
    assert [d.label for d in days][:2] == ["2026-10-19", "2026-10-20"] and len(days) == 7
    assert all(week.covers(d) for d in days)
    assert not week.covers(parse_period("2026-10"))
    assert parse_period("2026-10").covers(week)


def test_contains_is_half_open_at_the_first_and_last_second():
    for text in ("2026-02", "2026-W09", "2026-02-28", "2026-02-20..2026-02-28"):
        p = parse_period(text)
        assert p.contains(p.start_ts)                                    # 00:00:00 of day one
        assert p.contains(p.end_ts - timedelta(seconds=1))               # 23:59:59 of the last
        assert not p.contains(p.start_ts - timedelta(seconds=1))
        assert not p.contains(p.end_ts)                                  # the next period's


def test_zoned_times_count_in_local_time_at_the_edges():
    # 2026-10-31T16:00:00Z is 2026-11-01 00:00 in Asia/Shanghai: November's first second, and
    # 15:59:59Z is October's last. The loader moves zoned times before periods judge them.
    raw = pd.Series(["2026-10-31T15:59:59Z", "2026-10-31T16:00:00Z", "2026-10-31 23:59:59+08:00"])
    parsed, problems = values.parse(raw, "TIMESTAMP")
    assert problems == []
    october, november = parse_period("2026-10"), parse_period("2026-11")
    last_day = parse_period("2026-10-31")
    assert [october.contains(t) for t in parsed] == [True, False, True]
    assert [november.contains(t) for t in parsed] == [False, True, False]
    assert [last_day.contains(t) for t in parsed] == [True, False, True]


def test_periods_sort_by_start():
    got = sorted([parse_period("2026-11"), parse_period("2026-10-15"), parse_period("2026-W40")])
    assert [p.label for p in got] == ["2026-W40", "2026-10-15", "2026-11"]
    assert isinstance(got[0], Period)


@pytest.mark.parametrize("bad, why", [
    ("2026-13", "month 13 does not exist"), ("2026-00", "month 0 does not exist"),
    ("2026-1", ""), ("Oct 2026", ""), ("", ""),
    ("2026-W54", "has no week 54"), ("2025-W53", "has no week 53"), ("2026-W00", "no week 0"),
    ("2026-02-30", "day is out of range"), ("2026-10-15..2026-10-01", "ends before it starts"),
    ("2026-10-01..2026-10", "is not a day"), ("2024-01-01..2026-01-01", "longer than 366 days"),
])
def test_bad_periods_are_refused_naming_the_accepted_forms(bad, why):
    with pytest.raises(InputError) as err:
        parse_period(bad)
    assert why in str(err.value)
    if "longer" not in why and "before" not in why:
        assert "expected a month (2026-10), an ISO week (2026-W43), a day" in str(err.value)
