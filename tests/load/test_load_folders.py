"""A run of a week, month or range loads its own folder and those of the periods inside it."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from recon_lib.errors import InputError
from recon_lib.load import load_period
from recon_lib.load.loader import period_folders
from recon_lib.periods import parse_period

WEEK = parse_period("2026-W41")  # Monday 2026-10-05 to Sunday 2026-10-11


@pytest.fixture
def folder(writers, fixtures_dir):
    """``folder(raw, label, bill=..., tickets=...)``: a period folder with a ZTO bill (4 lines)
    and/or the service tickets fixture (2 rows). Their rows are dated on ``day`` (the folder's
    own day when it is a day folder; else the bill runs 5 to 7 October and the tickets are of 5
    October), since a folder holds only rows of its period."""
    def make(raw, label, *, bill=False, tickets=False, day=None):
        path = raw / label
        path.mkdir(parents=True, exist_ok=True)
        day = day or (label if parse_period(label).kind == "day" else None)
        if bill:
            data = writers.zto(path / "zto_bill.csv").read_bytes()
            if day is not None:
                for dated in (b"20261005", b"20261006", b"20261007"):
                    data = data.replace(dated, day.replace("-", "").encode())
            (path / "zto_bill.csv").write_bytes(data)
        if tickets:
            text = (fixtures_dir / "good" / "tickets.csv").read_text(encoding="utf-8")
            if day is not None:  # Excel serial days: 46300 is 2026-10-05
                serial = 46300 + (date.fromisoformat(day) - date(2026, 10, 5)).days
                text = text.replace("46300", str(serial))
            (path / "tickets.csv").write_text(text, encoding="utf-8")
        return path
    return make


def _by_period(db, table):
    return dict(db.con.execute(f"SELECT period, count(*) FROM {table} GROUP BY 1").fetchall())


def test_folders_inside_the_period_are_found_earliest_first(tmp_path):
    for name in ("2026-10-11", "2026-10-05", "2026-W41", "2026-10-12", "2026-10", "notes", "2026-1"):
        (tmp_path / name).mkdir()
    assert [p.label for p, _ in period_folders(tmp_path, WEEK)] == [
        "2026-W41", "2026-10-05", "2026-10-11"]
    assert [p.label for p, _ in period_folders(tmp_path, parse_period("2026-10-12"))] == [
        "2026-10-12"]
    assert period_folders(tmp_path / "absent", WEEK) == []


def test_a_week_loads_its_days_each_under_its_own_label(db, tmp_path, profiles, folder):
    folder(tmp_path, "2026-10-05", bill=True)
    folder(tmp_path, "2026-10-09", tickets=True)
    folder(tmp_path, "2026-10-12", bill=True)  # the next week's Monday: not this week's
    report = load_period(db, WEEK, tmp_path, profiles)
    assert [f.name for f in report.folders] == ["2026-10-05", "2026-10-09"]
    assert [f.file for f in report.files] == ["2026-10-05/zto_bill.csv", "2026-10-09/tickets.csv"]
    assert _by_period(db, "courier_bill_lines") == {"2026-10-05": 4}
    assert _by_period(db, "service_tickets") == {"2026-10-09": 2}
    # lineage names the file in its own folder, as a run of the day alone stores it
    assert db.con.execute("SELECT DISTINCT source_file FROM courier_bill_lines").fetchall() == [
        ("zto_bill.csv",)]

    load_period(db, parse_period("2026-10-05"), tmp_path, profiles)  # the day again: replaced
    load_period(db, WEEK, tmp_path, profiles)                        # and the week again
    assert _by_period(db, "courier_bill_lines") == {"2026-10-05": 4}


def test_a_problem_in_a_day_folder_names_the_folder_and_nothing_is_stored(db, tmp_path, profiles,
                                                                       folder, writers):
    folder(tmp_path, "2026-10-05", bill=True)
    bad = folder(tmp_path, "2026-10-06", bill=True)
    (bad / "zto_bill.csv").write_bytes(
        (bad / "zto_bill.csv").read_bytes().replace(b"20261006", b"20261399", 1))
    with pytest.raises(InputError) as err:
        load_period(db, WEEK, tmp_path, profiles)
    assert {p.file for p in err.value.problems} == {"2026-10-06/zto_bill.csv"}
    assert [p.column for p in err.value.problems] == ["账单日期"]
    assert db.scalar("SELECT count(*) FROM courier_bill_lines") == 0


def test_two_overlapping_folders_may_not_fill_the_same_table(db, tmp_path, profiles, folder):
    folder(tmp_path, "2026-10", bill=True, day="2026-10-05")
    folder(tmp_path, "2026-10-05", bill=True)
    folder(tmp_path, "2026-10-06", tickets=True)  # another table: fine
    with pytest.raises(InputError) as err:
        load_period(db, parse_period("2026-10"), tmp_path, profiles)
    messages = [p.message for p in err.value.problems]
    assert "courier_bill_lines: the days of 2026-10 overlap 2026-10-05" in messages[0]
    assert "would count twice" in messages[0]
    # here the two bills are the same file, which is said too; the tickets are not in question
    assert len(messages) == 2 and messages[1].startswith("the same content as ")
    assert db.scalar("SELECT count(*) FROM service_tickets") == 0  # nothing half-written


def test_rows_already_stored_for_overlapping_days_are_not_loaded_twice(db, tmp_path, profiles, folder):
    day = folder(tmp_path, "2026-10-05", bill=True)
    load_period(db, parse_period("2026-10-05"), tmp_path, profiles)
    shutil.rmtree(day)
    folder(tmp_path, "2026-W41", bill=True, day="2026-10-05")  # the same bill, for the week
    with pytest.raises(InputError, match="2026-10-05 \\(already loaded\\)"):
        load_period(db, WEEK, tmp_path, profiles)
    assert _by_period(db, "courier_bill_lines") == {"2026-10-05": 4}


def test_a_missing_week_folder_names_the_forms_that_would_do(db, tmp_path, profiles, folder):
    with pytest.raises(InputError, match=r"2026-W41 does not exist or a folder of a period inside "
                                         r"it \(e\.g\. .*2026-10-05\)"):
        load_period(db, WEEK, tmp_path, profiles)
