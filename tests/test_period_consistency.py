"""Daily runs and the week that holds them agree: the register carries each finding once, and
after the week has run it holds exactly the week's findings for the week's days, whether its days
ran before or not. A demo month is written as daily folders (`recon demo --daily`); the
register's rules for mixed period kinds are tested case by case in test_register_periods.py."""

from __future__ import annotations

import pytest

from recon_lib.db import Database
from recon_lib.demo import write_demo
from recon_lib.periods import parse_period
from recon_lib.pipeline import run_period

WEEK = parse_period("2026-W41")            # Monday 2026-10-05 to Sunday 2026-10-11
BEFORE = parse_period("2026-10-01..2026-10-04")


@pytest.fixture(scope="module")
def daily(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    write_demo(parse_period("2026-10"), raw, orders=600, seed=5, daily=True)
    return raw


def _run(periods, raw, tmp_path, name):
    db_path = tmp_path / f"{name}.duckdb"
    for p in periods:
        run_period(p, data_dir=raw, reports_dir=tmp_path / f"{name}-reports", db_path=db_path,
                   render=False)
    return Database(db_path, read_only=True)


def _week_items(db):
    """Open register items last seen in the week or one of its days."""
    return db.df("SELECT item_id, amount FROM register WHERE status = 'open' "
                 "AND last_seen_start >= ? AND last_seen_end <= ? ORDER BY item_id",
                 [WEEK.start, WEEK.end])


def _findings(db, period):
    return db.df("SELECT recon || '|' || reason_code || '|' || key AS item_id, amount "
                 "FROM discrepancies WHERE period = ? ORDER BY item_id", [period.label])


def test_days_then_the_week_leave_the_register_as_the_week_alone(daily, tmp_path):
    with _run([BEFORE, *WEEK.day_list(), WEEK], daily, tmp_path, "days") as by_day, \
            _run([BEFORE, WEEK], daily, tmp_path, "week") as by_week:
        week_findings = _findings(by_week, WEEK)
        assert len(week_findings) > 20  # the demo's week has findings of many kinds
        # the week's own findings do not depend on what ran before it
        assert _findings(by_day, WEEK).equals(week_findings)
        # the register holds them once each, open, with the week's amounts; nothing the days
        # found that the week no longer finds stays open
        assert _week_items(by_day).equals(week_findings)
        assert _week_items(by_week).equals(week_findings)

        # items the days found first keep the day they were first seen on
        day_items = by_day.df(
            "SELECT item_id, first_seen FROM register WHERE first_seen_start >= ? "
            "AND first_seen_end <= ?", [WEEK.start, WEEK.end])
        assert len(day_items) == len(week_findings)
        # the days found all of the week's, except what a day could not check: a day without a
        # bank line (a Saturday) does not judge deposits, so the week finds that one first
        days = {d.label for d in WEEK.day_list()}
        by_week_first = day_items[~day_items["first_seen"].isin(days)]
        assert set(by_week_first["first_seen"]) <= {WEEK.label}
        assert len(by_week_first) < len(day_items) / 4
        unchecked = set(by_day.df(
            "SELECT unnest(codes) AS code FROM coverage_checks WHERE status = 'not_checked' "
            "AND period IN (SELECT unnest(?))", [sorted(days)])["code"])
        for item_id in by_week_first["item_id"]:
            assert item_id.split("|")[1] in unchecked, item_id

        # each item once: the week's counts do not add its days' items to its own
        counts = by_day.df("SELECT count(*) AS n, count(DISTINCT item_id) AS d FROM register")
        assert counts["n"].iloc[0] == counts["d"].iloc[0]
