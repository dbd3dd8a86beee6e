"""Reconciliation periods: parsing, bounds and neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from recon_lib.errors import InputError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A half-open interval of days ``[start, end)`` with a label such as ``2026-10``."""

    start: date
    end: date
    label: str

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

    def previous(self) -> Period:
        return month(self.start - timedelta(days=1))

    def next(self) -> Period:
        return month(self.end)

    def contains(self, moment: date | datetime) -> bool:
        day = moment.date() if isinstance(moment, datetime) else moment
        return self.start <= day < self.end

    def bounds(self) -> dict[str, datetime]:
        """Named parameters for SQL: ``$period_start`` and ``$period_end`` (exclusive)."""
        return {"period_start": self.start_ts, "period_end": self.end_ts}

    def __str__(self) -> str:
        return self.label


def month(day: date) -> Period:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end, start.strftime("%Y-%m"))


def parse_period(text: str) -> Period:
    """Parse ``YYYY-MM`` into a :class:`Period`; anything else is an :class:`InputError`."""
    found = _MONTH.match(str(text).strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise InputError(f"period {text!r} is not a month: expected YYYY-MM, e.g. 2026-10")
    return month(date(int(found.group(1)), int(found.group(2)), 1))
