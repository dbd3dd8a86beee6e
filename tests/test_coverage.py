"""Coverage: a check runs only on the sources it declares, and those declarations are honest.

The declarations are tested against the reconciliations themselves: a demo month goes into the
database, then each canonical table in turn is emptied and the period reconciled again. Every
check the run still makes must find exactly what it found with everything loaded: a check whose
findings move when a source it does not declare goes away reads that source without saying so.
Checks that are not made store nothing.
"""

from __future__ import annotations

import pytest

from recon_lib import coverage, schema
from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.periods import parse_period
from recon_lib.pipeline import all_checks, reconcile_period

OCT = parse_period("2026-10")


def findings(db: Database) -> set[tuple[str, str]]:
    return set(db.execute("select reason_code, key from discrepancies where period = '2026-10'")
               .fetchall())


@pytest.fixture(scope="module")
def month_db():
    db = Database(":memory:")
    insert_month(db, build_month(OCT, orders=400, seed=3))
    done = reconcile_period(db, OCT)
    assert done.coverage.complete, done.coverage.summary()
    yield db, findings(db)
    db.close()


def test_every_reason_code_belongs_to_exactly_one_check():
    from recon_lib.reasons import REASONS

    owners: dict[str, list[str]] = {}
    for check in all_checks():
        for code in check.codes:
            owners.setdefault(code, []).append(check.name)
    assert {c: o for c, o in owners.items() if len(o) > 1} == {}
    assert set(owners) == set(REASONS)


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_a_check_finds_the_same_without_a_source_it_does_not_declare(month_db, table):
    db, everything = month_db
    db.execute(f"create or replace temp table _kept as select * from {table}")
    db.execute(f"delete from {table}")
    try:
        done = reconcile_period(db, OCT)
        now = findings(db)
    finally:
        db.execute(f"insert into {table} select * from _kept")
        db.execute("drop table _kept")
    for result in done.coverage.checks:
        if result.scope:
            continue
        codes = set(result.check.codes)
        made = {f for f in now if f[0] in codes}
        before = {f for f in everything if f[0] in codes}
        if result.status == coverage.NOT_CHECKED:
            assert table in {n.partition(".")[0] for n in (*result.check.needs, *result.check.context)}
            assert made == set(), f"{result.check.name} is not checked but stored findings"
        else:
            assert made == before, (
                f"without {table}, check {result.check.recon}.{result.check.name} (which does not "
                f"declare it) found {len(made - before)} more and {len(before - made)} fewer")
