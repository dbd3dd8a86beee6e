"""Which files of a period folder are read, skipped without a word, or refused: a run knows
everything it was given. Also which sheet of a workbook is read."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import struct
import threading
from pathlib import Path

import openpyxl
import pytest

from recon_lib import schema
from recon_lib.errors import InputError
from recon_lib.load import detect, load_period, read_file, read_grid
from recon_lib.load.detect import SKIPPED, scan_folder
from recon_lib.load.readers import ensure_regular, not_regular

DOC = Path(__file__).resolve().parents[2] / "docs" / "profiles.md"
LOCK_FILES = [".DS_Store", "Thumbs.db", "desktop.ini", "~$sf_bill.xlsx", ".~lock.zto_bill.csv#",
              "._zto_bill.csv", "README", "readme.txt", "notes.md"]


def counts(db) -> dict[str, int]:
    return {name: db.scalar(f"SELECT count(*) FROM {name}") for name in schema.TABLES}


@pytest.fixture
def raw(tmp_path, writers):
    """``<tmp>/raw`` with a 2026-10 folder holding a ZTO bill (4 lines)."""
    folder = tmp_path / "raw" / "2026-10"
    folder.mkdir(parents=True)
    writers.zto(folder / "zto_bill.csv")
    return tmp_path / "raw"


def refused(db, period, raw, profiles) -> list[tuple[str, str]]:
    """Load, expect a refusal, return its problems as (file, message)."""
    with pytest.raises(InputError) as err:
        load_period(db, period, raw, profiles)
    assert "nothing was changed" in str(err.value)
    return [(p.file, p.message) for p in err.value.problems]


# -- documented skips -------------------------------------------------------------------------
def test_documented_files_and_sub_folders_are_skipped_without_a_word(raw, db, period, profiles):
    folder = raw / "2026-10"
    for name in LOCK_FILES:
        (folder / name).write_bytes(b"\x00\x05\x16\x07 not data")
    (folder / "_truth").mkdir()
    (folder / "_truth" / "anomalies.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "old").mkdir()
    (folder / "old" / "bill.pdf").write_bytes(b"%PDF")
    scan = scan_folder(folder)
    assert [p.name for p in scan.files] == ["zto_bill.csv"]
    assert scan.problems == ()
    assert sorted(scan.skipped) == sorted([*LOCK_FILES, "_truth", "old"])
    report = load_period(db, period, raw, profiles)
    assert [f.file for f in report.files] == ["zto_bill.csv"]


def test_the_skip_list_is_written_once_and_documented():
    from recon_lib.load.loader import OVERLAP_LINES, OVERLAP_SHARE

    text = DOC.read_text(encoding="utf-8")
    for pattern, _ in SKIPPED:
        assert f"`{pattern}`" in text, pattern
    assert f"{OVERLAP_LINES} lines" in text and f"{OVERLAP_SHARE:.0%}" in text


# -- refused files ----------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "expected"), [
    ("bill.xlsb", "a binary Excel workbook (.xlsb): open it in Excel and save it as .xlsx"),
    ("bill.numbers", "an Apple Numbers document: export it as .xlsx or .csv"),
    ("bill.ods", "an OpenDocument spreadsheet: save it as .xlsx"),
    ("..bill.csv", "a hidden file (its name starts with '.')"),
    (".~lock", "a hidden file (its name starts with '.')"),
    ("notes.pdf", "not a data file recon reads (.csv, .txt, .xlsx, .xlsm, .xls); take it out"),
    ("bill.zip", "an archive: recon does not read inside archives"),
    ("bill", "not a data file recon reads"),
])
def test_a_file_recon_cannot_read_is_a_problem_and_nothing_is_stored(raw, db, period, profiles,
                                                                     name, expected):
    load_period(db, period, raw, profiles)
    before = counts(db)
    (raw / "2026-10" / name).write_bytes(b"PK\x03\x04 whatever")
    problems = refused(db, period, raw, profiles)
    assert [file for file, _ in problems] == [name]
    assert expected in problems[0][1]
    assert counts(db) == before


def test_an_old_numbers_document_is_a_folder_and_still_refused(raw, db, period, profiles):
    (raw / "2026-10" / "bill.numbers").mkdir()
    (raw / "2026-10" / "bill.numbers" / "Index.zip").write_bytes(b"PK")
    assert refused(db, period, raw, profiles) == [
        ("bill.numbers", "an Apple Numbers document: export it as .xlsx or .csv")]


def test_a_folder_of_only_refused_files_names_them_not_no_data(tmp_path, db, period, profiles):
    folder = tmp_path / "2026-10"
    folder.mkdir()
    (folder / "bill.xlsb").write_bytes(b"x")
    assert [f for f, _ in refused(db, period, tmp_path, profiles)] == ["bill.xlsb"]


def test_a_refused_file_in_a_day_folder_is_named_with_its_folder(tmp_path, db, profiles, writers):
    from recon_lib.periods import parse_period

    day = tmp_path / "2026-10-05"
    day.mkdir()
    (day / "tickets.xlsb").write_bytes(b"x")
    (tmp_path / "2026-10-06").mkdir()
    (tmp_path / "2026-10-06" / "notes.pdf").write_bytes(b"%PDF")
    files = [f for f, _ in refused(db, parse_period("2026-W41"), tmp_path, profiles)]
    assert files == ["2026-10-05/tickets.xlsb", "2026-10-06/notes.pdf"]


def test_period_files_raises_with_every_refused_file(raw):
    from recon_lib.load import period_files

    folder = raw / "2026-10"
    assert [p.name for p in period_files(folder)] == ["zto_bill.csv"]
    (folder / "a.xlsb").write_bytes(b"x")
    (folder / "b.pdf").write_bytes(b"x")
    with pytest.raises(InputError) as err:
        period_files(folder)
    assert [p.file for p in err.value.problems] == ["a.xlsb", "b.pdf"]


def test_an_xlsm_workbook_is_read_as_xlsx(raw, db, period, profiles, writers):
    writers.sf(raw / "2026-10" / "sf_bill.xlsm")
    report = load_period(db, period, raw, profiles)
    assert [(f.file, f.profile, f.rows) for f in report.files] == [
        ("sf_bill.xlsm", "test_sf_bill", 3), ("zto_bill.csv", "test_zto_bill", 4)]


# -- FIFOs, sockets, devices: refused without being opened ------------------------------------
def _within(seconds, call):
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it does not return."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not return within {seconds}s (blocked on a read?)"
    return outcome


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_promptly_and_never_opened(raw, db, period, profiles):
    load_period(db, period, raw, profiles)
    before = counts(db)
    fifo = raw / "2026-10" / "bill.csv"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    outcome = _within(10, lambda: load_period(db, period, raw, profiles))
    err = outcome.get("error")
    assert isinstance(err, InputError), outcome
    assert [(p.file, p.message) for p in err.problems] == [(
        "bill.csv", "a FIFO (named pipe), not a file: recon reads regular files only; take it "
                    "out of the folder")]
    assert counts(db) == before
    # read directly (recon profiles detect, read_file, read_grid): refused the same way
    for call in (lambda: detect(fifo, profiles), lambda: read_grid(fifo),
                 lambda: read_file(fifo, profiles["test_zto_bill"], period)):
        err = _within(10, call).get("error")
        assert isinstance(err, InputError) and "a FIFO (named pipe)" in str(err)


def test_a_socket_is_refused(raw, db, period, profiles):
    path = raw / "2026-10" / "s.csv"
    if len(str(path)) > 100:
        pytest.skip("path too long for a unix socket")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        problems = refused(db, period, raw, profiles)
    assert problems == [("s.csv", "a socket, not a file: recon reads regular files only; take "
                                  "it out of the folder")]


def test_a_device_is_never_read():
    assert not_regular(os.stat("/dev/null").st_mode) == "a device"
    outcome = _within(10, lambda: ensure_regular(os.path.realpath("/dev/zero"), "zero.csv"))
    assert isinstance(outcome.get("error"), InputError)
    assert "a device, not a file" in str(outcome["error"])


# -- symbolic links ---------------------------------------------------------------------------
def test_a_link_inside_the_data_folder_is_followed(raw, db, period, profiles):
    shared = raw / "shared"
    shared.mkdir()
    (raw / "2026-10" / "zto_bill.csv").rename(shared / "zto.csv")
    (raw / "2026-10" / "zto_bill.csv").symlink_to(shared / "zto.csv")
    report = load_period(db, period, raw, profiles)
    assert [(f.file, f.rows) for f in report.files] == [("zto_bill.csv", 4)]
    assert db.scalar("SELECT DISTINCT source_file FROM courier_bill_lines") == "zto_bill.csv"


def test_a_link_outside_the_data_folder_is_refused_naming_its_target(raw, tmp_path, db, period,
                                                                     profiles):
    load_period(db, period, raw, profiles)
    before = counts(db)
    outside = tmp_path / "Downloads"
    outside.mkdir()
    shutil.copy(raw / "2026-10" / "zto_bill.csv", outside / "zto_oct.csv")
    folder = raw / "2026-10"
    (folder / "zto_bill.csv").unlink()
    (folder / "zto_bill.csv").symlink_to(outside / "zto_oct.csv")
    (folder / "zero.csv").symlink_to("/dev/zero")
    (folder / "gone.csv").symlink_to(folder / "missing.csv")
    problems = refused(db, period, raw, profiles)
    assert problems == [
        ("gone.csv", f"a link to {folder / 'missing.csv'}, which does not exist: copy the file "
                     "in instead"),
        ("zero.csv", f"a link to {os.path.realpath('/dev/zero')}, outside the data folder {raw}: "
                     "recon reads only files inside the data folder; copy the file in instead "
                     "of linking to it"),
        ("zto_bill.csv", f"a link to {outside / 'zto_oct.csv'}, outside the data folder {raw}: "
                         "recon reads only files inside the data folder; copy the file in "
                         "instead of linking to it"),
    ]
    assert counts(db) == before


# -- password-protected workbooks -------------------------------------------------------------
_END, _FREE, _FATSECT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _entry(name: str, kind: int, right: int = _NONE, child: int = _NONE) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, _NONE, right, child)
            + bytes(36) + struct.pack("<IQ", _END, 0))


def compound_file(*streams: str) -> bytes:
    """The smallest OLE2 compound file: header, one FAT sector, one directory sector holding
    the root and up to three empty streams (the first the root's child, the others its right
    siblings). An encrypted .xlsx is such a file with EncryptionInfo and EncryptedPackage."""
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 0x1000, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *[_FREE] * 108))
    fat = struct.pack("<128I", _FATSECT, _END, *[_FREE] * 126)
    entries = [_entry("Root Entry", 5, child=1 if streams else _NONE)]
    for i, name in enumerate(streams):
        entries.append(_entry(name, 2, right=i + 2 if i + 1 < len(streams) else _NONE))
    entries += [_entry("", 0)] * (4 - len(entries))
    return header + fat + b"".join(entries)


@pytest.mark.parametrize("name", ["sf_bill.xlsx", "sf_bill.xls"])
def test_a_password_protected_workbook_is_named_so_not_damaged(raw, db, period, profiles, name):
    load_period(db, period, raw, profiles)
    before = counts(db)
    (raw / "2026-10" / name).write_bytes(compound_file("EncryptionInfo", "EncryptedPackage"))
    problems = refused(db, period, raw, profiles)
    assert problems == [(name, "the workbook is password-protected: remove the password and save "
                               "it again")]
    assert counts(db) == before


def test_a_damaged_xls_is_not_called_password_protected(tmp_path):
    path = tmp_path / "bill.xls"
    path.write_bytes(compound_file("Data"))
    with pytest.raises(InputError) as err:
        read_grid(path)
    assert "password" not in str(err.value) and "damaged or incomplete" in str(err.value)


# -- which sheet ------------------------------------------------------------------------------
SF_HEADER = ["运单号码", "寄件日期", "目的地", "费用类型", "计费重量（kg）", "金额", "折扣", "应付金额"]


def sf_workbook(path, sheets: dict[str, list[list]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


REAL = [SF_HEADER, ["SF1", "10-05", "广东", "运费", 1, 10, 0, 10],
        ["SF2", "10-06", "北京", "运费", 2, 12, 0, 12]]
DRAFT = [SF_HEADER, ["SF1", "10-05", "广东", "运费", 1, 10, 0, 9]]


def test_a_draft_sheet_before_the_real_one_does_not_win(raw, db, period, profiles):
    load_period(db, period, raw, profiles)
    before = counts(db)
    sf_workbook(raw / "2026-10" / "sf.xlsx", {"草稿": DRAFT, "账单": REAL})
    problems = refused(db, period, raw, profiles)
    assert problems == [("sf.xlsx", "sheets '草稿' (test_sf_bill), '账单' (test_sf_bill) each look "
                                     "like data and their lines differ: recon reads one sheet per "
                                     "workbook and does not guess which (a draft or copied sheet "
                                     "must not win silently); delete the sheets that are not "
                                     "data, save each sheet as its own file, or name the sheet "
                                     "in the profile (sheet:)")]
    assert counts(db) == before
    with pytest.raises(InputError, match="sheets '草稿' .*, '账单' .* each look like data"):
        read_grid(raw / "2026-10" / "sf.xlsx", profiles["test_sf_bill"])


def test_a_profile_that_names_its_sheet_reads_it(raw, db, period, profiles):
    sf_workbook(raw / "2026-10" / "sf.xlsx", {"草稿": DRAFT, "账单": REAL})
    named = [*(p for p in profiles.values() if p.name != "test_sf_bill"),
             dataclasses.replace(profiles["test_sf_bill"], sheet="账单")]
    report = load_period(db, period, raw, named)
    assert ("sf.xlsx", 2) in [(f.file, f.rows) for f in report.files]
    assert db.scalar("SELECT sum(payable) FROM courier_bill_lines WHERE carrier = 'SF'") == 22


def test_a_sheet_that_copies_another_is_read_once(raw, db, period, profiles):
    sf_workbook(raw / "2026-10" / "sf.xlsx", {"Query": [["Column1"], *REAL], "Sheet1": REAL})
    report = load_period(db, period, raw, profiles)
    assert ("sf.xlsx", 2) in [(f.file, f.rows) for f in report.files]
    rows = db.df("SELECT source_row FROM courier_bill_lines WHERE carrier = 'SF' ORDER BY 1")
    assert rows["source_row"].tolist() == [3, 4]  # the first sheet's rows


def test_sheets_of_two_layouts_are_refused(raw, db, period, profiles):
    tickets = dataclasses.replace(profiles["test_tickets"], file_types=("xlsx",))
    both = [*(p for p in profiles.values() if p.name != "test_tickets"), tickets]
    sf_workbook(raw / "2026-10" / "sf.xlsx", {
        "工单": [["工单号", "订单号", "渠道", "工单类型", "创建时间", "是否重开"],
                 ["TK-1", "", "天猫", "质量", "2026-10-05", "否"]],
        "账单": REAL})
    problems = refused(db, period, raw, both)
    assert problems == [("sf.xlsx", "sheets '账单' (test_sf_bill), '工单' (test_tickets) each look "
                                     "like data: recon reads one sheet per workbook and does not "
                                     "guess which (a draft or copied sheet must not win "
                                     "silently); delete the sheets that are not data, save each "
                                     "sheet as its own file, or name the sheet in the profile "
                                     "(sheet:)")]
