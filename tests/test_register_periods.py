"""The register when periods of different kinds run over the same days: days, then their week,
then the month. Findings are written straight into ``discrepancies`` so each case is readable."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from recon_lib import coverage, register
from recon_lib.db import Database
from recon_lib.periods import parse_period
from recon_lib.pipeline import all_checks

MON, TUE = parse_period("2026-10-05"), parse_period("2026-10-06")
WEEK, OCT = parse_period("2026-W41"), parse_period("2026-10")


def found(db, period, *findings):
    """Store a run's findings (reason code, key, amount), made with every check's data loaded,
    and sync the register."""
    db.execute("DELETE FROM discrepancies WHERE period = ?", [period.label])
    for reason, key, amount in findings:
        db.execute("INSERT INTO discrepancies VALUES ('run', ?, 'freight', ?, ?, NULL, ?, 'x', "
                   "NULL)", [period.label, reason, key, amount])
    checked = tuple(coverage.CheckResult(c, coverage.CHECKED) for c in all_checks())
    coverage.store(db, "run", coverage.Coverage(period.label, (), checked))
    register.sync(db, period)


def item(db, key):
    row = db.df("SELECT * FROM register WHERE key = ?", [key])
    assert len(row) == 1, row
    return row.iloc[0]


@pytest.fixture
def db():
    with Database(":memory:") as database:
        yield database


def test_the_week_closes_what_its_days_found_and_it_no_longer_finds(db):
    found(db, MON, ("FRT_PHANTOM", "W1", 10), ("FRT_PHANTOM", "W2", 20))
    found(db, TUE, ("FRT_PHANTOM", "W3", 30))
    found(db, WEEK, ("FRT_PHANTOM", "W1", 11), ("FRT_PHANTOM", "W3", 30))

    w1, w2, w3 = item(db, "W1"), item(db, "W2"), item(db, "W3")
    assert (w1.status, w1.first_seen, w1.last_seen, float(w1.amount)) == (
        "open", "2026-10-05", "2026-W41", 11.0)      # first found on the day; the week's amount
    assert (w3.first_seen, w3.last_seen) == ("2026-10-06", "2026-W41")
    assert (w2.status, w2.closed_period) == ("resolved", "2026-W41")
    assert w2.closed_reason == "auto: no longer found when 2026-W41 was run"
    assert db.scalar("SELECT count(*) FROM register") == 3   # each finding once

    counts = register.period_counts(db, WEEK).iloc[0]
    assert (counts.new_items, counts.carried, counts.resolved) == (3, 0, 1)
    day = register.period_counts(db, MON).iloc[0]
    assert (day.new_items, day.carried) == (2, 0)


def test_a_day_run_after_its_week_keeps_the_weeks_view(db):
    found(db, WEEK, ("FRT_PHANTOM", "W1", 11))
    found(db, MON, ("FRT_PHANTOM", "W1", 10), ("FRT_PHANTOM", "W9", 5))
    w1 = item(db, "W1")
    # the day ran later but ends first: it is the first sighting, the week stays the latest
    assert (w1.first_seen, w1.last_seen, float(w1.amount), w1.status) == (
        "2026-10-05", "2026-W41", 11.0, "open")
    # the day does not hold the week, so its run closes nothing the week found
    found(db, MON)
    assert item(db, "W1").status == "open"
    assert item(db, "W9").status == "resolved"


def test_the_month_closes_items_of_its_weeks_and_days(db):
    found(db, MON, ("FRT_PHANTOM", "W1", 10))
    found(db, WEEK, ("FRT_PHANTOM", "W1", 10), ("FRT_PHANTOM", "W2", 20))
    found(db, OCT, ("FRT_PHANTOM", "W2", 20))
    assert item(db, "W1").closed_reason == "auto: no longer found when 2026-10 was run"
    assert (item(db, "W2").last_seen, item(db, "W2").status) == ("2026-10", "open")
    # a run ending earlier than the close does not undo it: the later view stands
    found(db, parse_period("2026-10-01..2026-10-15"), ("FRT_PHANTOM", "W1", 10))
    assert item(db, "W1").status == "resolved"
    # found again by a run that ends no earlier than the close: the automatic close is undone
    found(db, OCT, ("FRT_PHANTOM", "W1", 10), ("FRT_PHANTOM", "W2", 20))
    assert item(db, "W1").status == "open" and pd.isna(item(db, "W1").closed_on)


def test_ages_count_from_the_first_day_it_was_seen(db):
    found(db, TUE, ("FRT_PHANTOM", "W1", 10))
    found(db, OCT, ("FRT_PHANTOM", "W1", 10))
    items = register.items(db, OCT)
    assert items.set_index("key").loc["W1", "age_days"] == 26   # 2026-10-06 to 2026-11-01


def test_a_register_from_before_period_kinds_gets_its_days(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""CREATE TABLE register (item_id VARCHAR PRIMARY KEY, recon VARCHAR NOT NULL,
        reason_code VARCHAR NOT NULL, key VARCHAR NOT NULL, order_id VARCHAR,
        first_seen VARCHAR NOT NULL, last_seen VARCHAR NOT NULL, status VARCHAR NOT NULL,
        owner VARCHAR, note VARCHAR, amount DECIMAL(18,2), explanation VARCHAR,
        closed_period VARCHAR, closed_reason VARCHAR, updated_at TIMESTAMP NOT NULL)""")
    con.execute("INSERT INTO register VALUES ('freight|FRT_PHANTOM|W1', 'freight', 'FRT_PHANTOM', "
                "'W1', NULL, '2026-09', '2026-10', 'resolved', NULL, NULL, 1, 'x', '2026-10', "
                "'manual: resolved', now())")
    con.close()
    with Database(path) as db:
        days = db.con.execute("SELECT first_seen_start, first_seen_end, last_seen_start, "
                              "last_seen_end, closed_on FROM register").fetchall()
    assert days == [(date(2026, 9, 1), date(2026, 10, 1), date(2026, 10, 1), date(2026, 11, 1),
                     date(2026, 11, 1))]
