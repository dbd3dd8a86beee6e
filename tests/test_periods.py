from datetime import date, datetime

import pytest

from recon_lib.errors import InputError
from recon_lib.periods import parse_period


def test_month_bounds_and_neighbours():
    p = parse_period("2026-12")
    assert (p.start, p.end, p.label) == (date(2026, 12, 1), date(2027, 1, 1), "2026-12")
    assert p.previous().label == "2026-11"
    assert p.next().label == "2027-01"
    assert p.last_day == date(2026, 12, 31)
    assert p.bounds() == {"period_start": datetime(2026, 12, 1), "period_end": datetime(2027, 1, 1)}


def test_contains_is_half_open():
    p = parse_period("2026-02")
    assert p.contains(datetime(2026, 2, 28, 23, 59, 59))
    assert not p.contains(date(2026, 3, 1))


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "Oct 2026", "", "2026-00"])
def test_bad_periods_are_refused_with_the_expected_form(bad):
    with pytest.raises(InputError, match="expected YYYY-MM"):
        parse_period(bad)
