"""Reconciliation periods: a month, an ISO week, a day or a range of days.

Every period is a half-open interval of local calendar days ``[start, end)``: it begins at
00:00:00 of its first day and ends just before 00:00:00 of the day after its last, in the
merchant's time zone (``config.LOCAL_TIMEZONE``; the loader moves zoned times there). SQL gets the
bounds as the parameters ``$period_start`` and ``$period_end`` (exclusive), never the label.

Forms (:func:`parse_period`):

========  ==========================  =============================================
kind      label                       covers
========  ==========================  =============================================
month     ``2026-10``                 the calendar month
week      ``2026-W43``                the ISO week, Monday to Sunday
day       ``2026-10-15``              the day
range     ``2026-10-01..2026-10-15``  both days and every day between (inclusive)
========  ==========================  =============================================

A range that is exactly a month, an ISO week or a day is normalised to that form, so the same
days always carry the same label (and the same report folder and register entries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from recon_lib.errors import InputError

KINDS = ("month", "week", "day", "range")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RANGE = re.compile(r"^(.+?)\s*\.\.\s*(.+)$")
MAX_RANGE_DAYS = 366
"""The longest explicit range accepted; a longer one is almost always a typo in a year."""

FORMS_HELP = ("a month (2026-10), an ISO week (2026-W43), a day (2026-10-15) or a range of days "
              "(2026-10-01..2026-10-15)")


@dataclass(frozen=True, order=True)
class Period:
    """A half-open interval of days ``[start, end)`` with a label such as ``2026-10``."""

    start: date
    end: date
    label: str
    kind: str = "month"

    @property
    def start_ts(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_ts(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time())

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same kind just before (a range: as many days, ending at start)."""
        if self.kind == "month":
            return month(self.start - timedelta(days=1))
        if self.kind == "range":
            return day_range(self.start - timedelta(days=self.days), self.last_day
                             - timedelta(days=self.days))
        return _of_kind(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        """The period of the same kind just after."""
        if self.kind == "range":
            return day_range(self.end, self.last_day + timedelta(days=self.days))
        return _of_kind(self.kind, self.end)

    def contains(self, moment: date | datetime) -> bool:
        day = moment.date() if isinstance(moment, datetime) else moment
        return self.start <= day < self.end

    def covers(self, other: Period) -> bool:
        """True when every day of ``other`` is in this period."""
        return self.start <= other.start and other.end <= self.end

    def day_list(self) -> list[Period]:
        """The period's days, in order."""
        return [day(self.start + timedelta(days=i)) for i in range(self.days)]

    def bounds(self) -> dict[str, datetime]:
        """Named parameters for SQL: ``$period_start`` and ``$period_end`` (exclusive)."""
        return {"period_start": self.start_ts, "period_end": self.end_ts}

    def __str__(self) -> str:
        return self.label


def month(any_day: date) -> Period:
    """The calendar month holding ``any_day``."""
    start = any_day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end, start.strftime("%Y-%m"), "month")


def week(any_day: date) -> Period:
    """The ISO week (Monday to Sunday) holding ``any_day``; labelled by its ISO year."""
    start = any_day - timedelta(days=any_day.weekday())
    iso_year, iso_week, _ = start.isocalendar()
    return Period(start, start + timedelta(days=7), f"{iso_year}-W{iso_week:02d}", "week")


def day(any_day: date) -> Period:
    """One calendar day."""
    return Period(any_day, any_day + timedelta(days=1), any_day.isoformat(), "day")


def day_range(first: date, last: date) -> Period:
    """The days ``first`` to ``last`` inclusive, as a month, week or day when it is exactly one."""
    if last < first:
        raise InputError(f"period range {first}..{last} ends before it starts")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InputError(f"period range {first}..{last} is longer than {MAX_RANGE_DAYS} days")
    for kind in ("day", "week", "month"):
        candidate = _of_kind(kind, first)
        if candidate.start == first and candidate.last_day == last:
            return candidate
    return Period(first, last + timedelta(days=1), f"{first.isoformat()}..{last.isoformat()}",
                  "range")


def _of_kind(kind: str, any_day: date) -> Period:
    return {"month": month, "week": week, "day": day}[kind](any_day)


def parse_period(text: str | Period) -> Period:
    """Parse a month, ISO week, day or range (see the module) into a :class:`Period`.

    Anything else is an :class:`~recon_lib.errors.InputError` that says which forms are accepted.
    """
    if isinstance(text, Period):
        return text
    raw = str(text).strip()
    if found := _RANGE.match(raw):
        return day_range(_date(found.group(1), raw), _date(found.group(2), raw))
    if found := _MONTH.match(raw):
        year, number = int(found.group(1)), int(found.group(2))
        if not 1 <= number <= 12:
            raise _error(raw, f"month {number} does not exist")
        return month(date(year, number, 1))
    if found := _WEEK.match(raw):
        year, number = int(found.group(1)), int(found.group(2))
        try:
            return week(date.fromisocalendar(year, number, 1))
        except ValueError:
            raise _error(raw, f"ISO year {year} has no week {number}") from None
    if _DAY.match(raw):
        return day(_date(raw, raw))
    raise _error(raw)


def _date(part: str, whole: str) -> date:
    found = _DAY.match(part.strip())
    if not found:
        raise _error(whole, f"{part.strip()!r} is not a day (YYYY-MM-DD)")
    try:
        return date(*(int(g) for g in found.groups()))
    except ValueError as exc:
        raise _error(whole, str(exc)) from None


def _error(text: str, why: str = "") -> InputError:
    because = f" ({why})" if why else ""
    return InputError(f"period {text!r} is not a period{because}: expected {FORMS_HELP}")
