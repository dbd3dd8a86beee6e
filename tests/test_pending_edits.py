"""Edits typed into exceptions.xlsx and not applied yet are never lost: a run of the period
refuses to overwrite them (exit 2, naming the file and the rows), applies them first with
``--apply-edits``, or sets the file aside with ``--discard-edits``. The issue's case: the next
run overwrote them without a word.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from recon_lib import register
from recon_lib.cli import main
from recon_lib.db import Database
from recon_lib.demo import write_demo
from recon_lib.errors import EXIT_BAD_INPUT, EXIT_DISCREPANCIES, InputError
from recon_lib.periods import parse_period
from recon_lib.report.exceptions import WORKBOOK, guard_edits, write_exceptions

OCT = parse_period("2026-10")


@pytest.fixture
def db(written, tmp_path):
    shutil.copy(written[0], tmp_path / "recon.duckdb")
    database = Database(tmp_path / "recon.duckdb")
    yield database
    database.close()


@pytest.fixture
def out(written, tmp_path) -> Path:
    """The period's report folder, holding the workbook as the run wrote it."""
    folder = tmp_path / "reports" / OCT.label
    folder.mkdir(parents=True)
    shutil.copy(written[1], folder / WORKBOOK)
    return folder


def edit(path: Path, row: int, **values) -> str:
    """Type values into a register row, as an analyst does; returns the row's item."""
    wb = load_workbook(path)
    ws = wb[register.SHEET]
    col = {c.value: i for i, c in enumerate(ws[1], start=1)}
    for name, value in values.items():
        ws.cell(row, col[name]).value = value
    wb.save(path)
    return ws.cell(row, col["item_id"]).value


def status(db, item: str) -> str:
    return db.scalar("SELECT status FROM register WHERE item_id = $i", {"i": item})


def test_an_unedited_workbook_or_none_has_nothing_pending(db, out, tmp_path):
    assert register.pending_edits(db, out / WORKBOOK) == []
    assert register.pending_edits(db, tmp_path / "nothing.xlsx") == []
    assert guard_edits(db, out) is None and (out / WORKBOOK).exists()


def test_edits_not_applied_stop_the_run_naming_the_file_and_rows(db, out):
    item = edit(out / WORKBOOK, 3, status="resolved", note="已与快递对账")
    [pending] = register.pending_edits(db, out / WORKBOOK)
    assert (pending.row, pending.item_id) == (3, item)
    assert pending.changes == (("status", "open", "resolved"), ("note", None, "已与快递对账"))
    before = db.df("SELECT * FROM register ORDER BY item_id")
    with pytest.raises(InputError) as err:
        guard_edits(db, out)
    text = str(err.value)
    assert str(out / WORKBOOK) in text and "1 row(s)" in text
    assert f"{WORKBOOK}, row 3: {item}: status 'open' -> 'resolved', note '' -> '已与快递对账'" \
        in text
    assert "--apply-edits" in text and "--discard-edits" in text and "recon resolve" in text
    pd.testing.assert_frame_equal(db.df("SELECT * FROM register ORDER BY item_id"), before)
    assert (out / WORKBOOK).exists()


def test_applied_edits_are_not_pending(db, out):
    item = edit(out / WORKBOOK, 3, owner="李会计")
    register.resolve(db, out / WORKBOOK)
    assert register.pending_edits(db, out / WORKBOOK) == []
    assert db.scalar("SELECT owner FROM register WHERE item_id = $i", {"i": item}) == "李会计"


def test_a_row_as_written_is_no_edit_though_the_item_changed_since(db, out, tmp_path):
    newer = tmp_path / "newer.xlsx"
    shutil.copy(out / WORKBOOK, newer)
    item = edit(newer, 2, status="written_off")
    register.resolve(db, newer)  # another copy's decision
    assert status(db, item) == "written_off"
    assert register.pending_edits(db, out / WORKBOOK) == []  # resolve would leave it alone


def test_apply_edits_applies_them_first(db, out):
    item = edit(out / WORKBOOK, 4, status="in_progress")
    done = guard_edits(db, out, "apply")
    assert "applied" in done and "1 change(s)" in done
    assert status(db, item) == "in_progress"
    assert db.scalar("SELECT source FROM register_audit WHERE item_id = $i", {"i": item}) == \
        WORKBOOK


def test_discard_edits_keeps_the_edited_file_aside(db, out):
    item = edit(out / WORKBOOK, 4, status="resolved")
    done = guard_edits(db, out, "discard")
    [aside] = out.glob("exceptions_discarded_*.xlsx")
    assert aside.name in done and not (out / WORKBOOK).exists()
    assert status(db, item) == "open"
    assert [p.item_id for p in register.pending_edits(db, aside)] == [item]  # still there


def test_a_workbook_that_cannot_be_read_is_not_overwritten_unless_discarded(db, out):
    (out / WORKBOOK).write_bytes(b"not a workbook")
    with pytest.raises(InputError) as err:
        guard_edits(db, out)
    assert "cannot be checked" in str(err.value) and "--discard-edits" in str(err.value)
    assert (out / WORKBOOK).read_bytes() == b"not a workbook"
    guard_edits(db, out, "discard")
    [aside] = out.glob("exceptions_discarded_*.xlsx")
    assert aside.read_bytes() == b"not a workbook" and not (out / WORKBOOK).exists()


# -- through the command ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pending_cli")
    write_demo(OCT, root / "raw", orders=300, seed=4)
    return root


def test_recon_run_refuses_then_applies_with_apply_edits(files, capsys):
    common = ["run", "--period", OCT.label, "--data-dir", str(files / "raw"), "--db",
              str(files / "recon.duckdb"), "--reports-dir", str(files / "reports"), "--quiet",
              "--no-report"]
    assert main(common) == EXIT_DISCREPANCIES
    book = files / "reports" / OCT.label / WORKBOOK
    with Database(files / "recon.duckdb") as db:  # the workbook a run with reports writes
        write_exceptions(db, OCT, book.parent)
    item = edit(book, 2, status="written_off", note="金额太小")
    capsys.readouterr()
    assert main(common) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"recon run: error: {book} holds edits not applied" in err
    assert f"row 2: {item}: status 'open' -> 'written_off'" in err
    assert main([*common, "--apply-edits", "--discard-edits"]) == EXIT_BAD_INPUT  # one or other
    assert main([*common, "--apply-edits"]) == EXIT_DISCREPANCIES
    with Database(files / "recon.duckdb", read_only=True) as db:
        assert status(db, item) == "written_off"
    assert main(common) == EXIT_DISCREPANCIES  # applied: nothing pending any more
