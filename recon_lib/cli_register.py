"""The ``recon register`` and ``recon resolve`` commands (wired in ``recon_lib.cli``)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from recon_lib import register
from recon_lib.db import Database
from recon_lib.errors import EXIT_OK, InputError
from recon_lib.formats import yuan
from recon_lib.privacy import mask_frame

SHOWN = ["item_id", "status", "owner", "age_days", "amount", "first_seen", "explanation"]


def add_parsers(sub, common) -> None:
    listing = sub.add_parser("register", help="list discrepancy register items (default: open)")
    common(listing, period=False)
    listing.add_argument("--period", help="age items at this period's end (default: the "
                                          "latest run)")
    listing.add_argument("--status", default="open", choices=[*register.STATUSES, "all"],
                         help="which items (default: %(default)s)")
    listing.add_argument("--older-than", type=int, metavar="DAYS",
                         help="only items first seen more than DAYS days ago")
    listing.add_argument("--export", type=Path, metavar="FILE",
                         help="also write them to FILE (.csv or .xlsx)")

    resolve = sub.add_parser("resolve", help="apply status, owner and note edits from the "
                                             "register sheet of an exceptions workbook")
    common(resolve, period=False)
    resolve.add_argument("file", type=Path, help="reports/<period>/exceptions.xlsx, edited")


def _open(db_path: Path, *, read_only: bool) -> Database:
    if not db_path.exists():
        raise InputError(f"{db_path}: no database yet; run `recon run --period 2026-10` (or a week, day or range) first")
    return Database(db_path, read_only=read_only)


def cmd_register(args: argparse.Namespace) -> int:
    with _open(args.db, read_only=True) as db:
        as_of = register.as_of_period(args.period, db)
        status = None if args.status == "all" else args.status
        found = mask_frame(register.items(db, as_of, status=status, older_than=args.older_than))
    if args.export:
        _export(found, args.export)
    if found.empty:
        print(f"no {args.status} items as of {as_of}")
        return EXIT_OK
    print(_printable(found[SHOWN]).to_string(index=False, max_colwidth=60))
    print(f"\n{len(found):,} item(s), {yuan(found['amount'].sum())}, as of {as_of}")
    return EXIT_OK


def _printable(frame):
    """Text from the input files with control characters (an ANSI escape would drive the
    terminal) shown as U+FFFD."""
    return frame.apply(lambda col: col.map(
        lambda v: re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "\ufffd", v) if isinstance(v, str)
        else v))


def _export(found, path: Path) -> None:
    """The listing as a workbook or a CSV; text from the input files stays text in both (see
    recon_lib.report.workbook)."""
    from recon_lib.report import workbook

    if path.suffix.lower() == ".xlsx":
        workbook.write_xlsx(found, path, sheet="register", formats={"amount": workbook.MONEY})
    elif path.suffix.lower() == ".csv":
        workbook.write_csv(found, path)
    else:
        raise InputError(f"{path}: export to .csv or .xlsx")


def cmd_resolve(args: argparse.Namespace) -> int:
    with _open(args.db, read_only=False) as db:
        report = register.resolve(db, args.file)
    print(f"{report.file}: {report.rows:,} row(s) read, {report.changes:,} change(s) applied")
    if report.left_alone:
        print(f"{report.left_alone:,} row(s) left alone: their item changed after the workbook "
              "was written and the row was not edited")
    return EXIT_OK
