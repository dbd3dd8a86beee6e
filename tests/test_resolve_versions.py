"""``recon resolve`` applies a row only to the item as the row's workbook showed it.

Each register row carries its item's state when the workbook was written (the hidden ``version``
column). An older copy applied after newer edits changes nothing; an edit made on an old state,
two rows for one item, and edits of read-only columns are refused, naming row, item, what
changed and when; any refusal leaves the register and its audit trail as they were.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from recon_lib import register
from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.periods import parse_period

OCT = parse_period("2026-10")


@pytest.fixture
def db(written, tmp_path):
    path = tmp_path / "recon.duckdb"
    shutil.copy(written[0], path)
    database = Database(path)
    yield database
    database.close()


class Sheet:
    """An analyst's copy of the register sheet."""

    def __init__(self, source: Path, target: Path):
        shutil.copy(source, target)
        self.path = target
        self.wb = load_workbook(target)
        self.ws = self.wb[register.SHEET]
        self.col = {c.value: i for i, c in enumerate(self.ws[1], start=1)}

    def get(self, row: int, name: str):
        return self.ws.cell(row, self.col[name]).value

    def set(self, row: int, name: str, value) -> Sheet:
        self.ws.cell(row, self.col[name]).value = value
        return self

    def save(self) -> Path:
        self.wb.save(self.path)
        return self.path


def state(db) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (db.df("SELECT * FROM register ORDER BY item_id"),
            db.df("SELECT * FROM register_audit ORDER BY changed_at, item_id, field"))


def refused(db, path) -> str:
    before = state(db)
    with pytest.raises(InputError) as err:
        register.resolve(db, path)
    after = state(db)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    return str(err.value)


def test_the_version_column_is_hidden_and_stamps_every_row(written):
    ws = load_workbook(written[1])[register.SHEET]
    header = [c.value for c in ws[1]]
    assert header[-1] == register.VERSION_COLUMN == "version"
    letter = ws.cell(1, len(header)).column_letter
    assert ws.column_dimensions[letter].hidden
    stamps = [ws.cell(r, len(header)).value for r in range(2, ws.max_row + 1)]
    assert stamps and all(register.Stamp.parse(s) is not None for s in stamps)


def test_an_older_unedited_copy_reverts_nothing(db, written, tmp_path):
    """The issue's case: a newer copy's edits are applied, then the older copy."""
    older = Sheet(written[1], tmp_path / "older.xlsx").save()
    newer = Sheet(written[1], tmp_path / "newer.xlsx")
    for row in range(2, 8):  # six items resolved, owned and annotated
        newer.set(row, "status", "resolved").set(row, "owner", "李会计").set(row, "note", "ok")
    assert register.resolve(db, newer.save()).changes == 18
    decided = state(db)

    report = register.resolve(db, older)
    assert (report.changes, report.left_alone) == (0, 6)
    pd.testing.assert_frame_equal(state(db)[0], decided[0])
    pd.testing.assert_frame_equal(state(db)[1], decided[1])
    # the newer copy again: it matches the register, nothing to do, nothing refused
    assert register.resolve(db, newer.path).changes == 0


def test_an_edit_made_on_an_old_state_is_refused_naming_row_item_change_and_time(db, written,
                                                                                 tmp_path):
    newer = Sheet(written[1], tmp_path / "newer.xlsx").set(3, "status", "written_off")
    register.resolve(db, newer.save())
    older = Sheet(written[1], tmp_path / "older.xlsx").set(3, "owner", "王出纳")
    item = older.get(3, "item_id")
    text = refused(db, older.save())
    assert "older.xlsx, row 3:" in text and repr(item) in text
    assert "status 'open' -> 'written_off' on " in text and "(by newer.xlsx)" in text
    assert "changed after this workbook was written" in text


def test_an_item_a_run_changed_since_refuses_edits_made_on_the_old_values(db, written,
                                                                          tmp_path):
    book = Sheet(written[1], tmp_path / "book.xlsx")
    item = book.get(2, "item_id")
    db.execute("UPDATE register SET amount = 9999.99, updated_at = now() WHERE item_id = $i",
               {"i": item}, name="a later run's amount")
    text = refused(db, book.set(2, "note", "claim filed").save())
    assert "row 2:" in text and "amount" in text and "-> '9999.99'" in text
    untouched = Sheet(written[1], tmp_path / "untouched.xlsx").save()  # not edited: left alone
    assert register.resolve(db, untouched).left_alone == 1


def test_two_rows_for_one_item_are_refused(db, written, tmp_path):
    book = Sheet(written[1], tmp_path / "twice.xlsx")
    copy = [c.value for c in book.ws[4]]
    book.ws.append(copy)
    last = book.ws.max_row
    book.set(4, "status", "resolved").set(last, "status", "written_off")
    text = refused(db, book.save())
    assert f"twice.xlsx, row 4, column 'item_id': item {copy[0]!r} is on more than one row " \
           f"(also row {last})" in text
    assert f"row {last}, column 'item_id'" in text


@pytest.mark.parametrize("column, value", [("amount", 1.0), ("explanation", "paid in cash"),
                                           ("age_days", 999), ("first_seen", "2026-01"),
                                           ("closed_reason", "by hand")])
def test_edits_of_read_only_columns_are_refused_not_ignored(db, written, tmp_path, column,
                                                            value):
    book = Sheet(written[1], tmp_path / "ro.xlsx").set(5, column, value).set(6, "owner", "李")
    text = refused(db, book.save())
    assert f"ro.xlsx, row 5, column '{column}': {column} is read-only" in text
    assert "the edit is refused" in text


def test_a_workbook_without_versions_or_with_a_broken_stamp_is_refused(db, written, tmp_path):
    book = Sheet(written[1], tmp_path / "old.xlsx")
    book.ws.delete_cols(book.col[register.VERSION_COLUMN])
    assert "has no 'version' column" in refused(db, book.save())
    book = Sheet(written[1], tmp_path / "broken.xlsx").set(2, "version", "r1;garbage")
    assert "row 2, column 'version': no valid version stamp" in refused(db, book.save())


def test_a_clean_edit_is_applied_with_the_right_old_value(db, written, tmp_path):
    book = Sheet(written[1], tmp_path / "edit.xlsx").set(2, "status", "in_progress")
    item = book.get(2, "item_id")
    assert register.resolve(db, book.save()).changes == 1
    audit = db.df("SELECT * FROM register_audit WHERE source = 'edit.xlsx'")
    assert audit[["item_id", "field", "old_value", "new_value"]].values.tolist() == [
        [item, "status", "open", "in_progress"]]
