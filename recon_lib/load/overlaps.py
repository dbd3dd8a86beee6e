"""Records a load would count twice: files of one table that repeat each other's lines, and
folders of overlapping periods that fill the same table."""

from __future__ import annotations

import filecmp
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from recon_lib import schema
from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.load.sheet import line_hashes
from recon_lib.periods import Period, parse_period

if TYPE_CHECKING:
    from recon_lib.load.loader import FileReport


OVERLAP_LINES = 10
OVERLAP_SHARE = 0.05
"""Two files of a table without a key (courier bill lines, tracking events) overlap when one
holds nothing but lines the other has too, or when they share at least ``OVERLAP_LINES`` lines
making at least ``OVERLAP_SHARE`` of the smaller file. Fewer shared lines can be a courier
billing a parcel on two bills: that loads, and the freight reconciliation reports it."""


def same_lines(reports: list[FileReport], paths: Mapping[str, Path],
               loaded: list[tuple[str, dict[str, pd.DataFrame]]]) -> list[Problem]:
    """Files of one table whose parsed lines repeat another file's in the same load: a download
    saved twice (``bill (1).csv``), the same bill saved again as .xlsx or with other line ends,
    or an export of days another file already covers. Loading both would count the shared
    records twice: every line of a courier bill a duplicate charge. A line is the canonical row
    without its lineage (file, row, period); identical lines inside one file are real double
    billing and load. Reference data (rate cards, products) may repeat, as in every folder of a
    month's days: it replaces by key. ``loaded`` holds each folder's tables and file prefix."""
    by_table: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.rows and not schema.table(report.table).master:
            by_table.setdefault(report.table, []).append(report)
    problems = []
    for name, files in by_table.items():
        if len(files) < 2:
            continue
        tbl = schema.table(name)
        frames = [(prefix, tables[name]) for prefix, tables in loaded if name in tables]
        owners = np.concatenate([(prefix + frame["source_file"]).to_numpy(dtype=object)
                                 for prefix, frame in frames])
        hashes = line_hashes(pd.concat([frame for _, frame in frames], ignore_index=True)
                              if len(frames) > 1 else frames[0][1])
        shared = _shared_counts(hashes, owners)
        copies: set[str] = set()
        for i, b in enumerate(files):
            for a in files[:i]:
                n = shared.get((a.file, b.file), 0)
                if a.file in copies or not n:
                    continue
                if n == a.rows == b.rows:
                    problems.append(Problem(b.file, _copy_message(a, b, paths)))
                    copies.add(b.file)
                    break
                if _overlapping(tbl, n, a.rows, b.rows):
                    problems.append(Problem(b.file, (
                        f"{a.file} and {b.file} share {n:,} of their lines ({a.file}: "
                        f"{a.rows:,} lines, {b.file}: {b.rows:,}): loading both would count "
                        "those records twice (an export of days another file already covers?); "
                        "keep one of the two, or export one again without the shared days")))
    return problems


def _shared_counts(hashes: np.ndarray, owners: np.ndarray) -> dict[tuple[str, str], int]:
    """Lines each two files have in common (only pairs that share any): each line as often as
    the file that has it less often. ``owners`` names the file of each line."""
    codes, names = pd.factorize(owners)
    lines = pd.DataFrame({"line": hashes, "file": codes}).value_counts().rename("n").reset_index()
    lines = lines[lines["line"].duplicated(keep=False)]  # lines of more than one file
    if lines.empty:
        return {}
    pairs = lines.merge(lines, on="line")
    pairs = pairs[pairs["file_x"] != pairs["file_y"]]
    pairs["n"] = np.minimum(pairs["n_x"], pairs["n_y"])
    return {(names[a], names[b]): int(n)
            for (a, b), n in pairs.groupby(["file_x", "file_y"])["n"].sum().items()}


def _overlapping(tbl: schema.Table, shared: int, a_rows: int, b_rows: int) -> bool:
    """A table with a key: any shared line (its key repeats too). Without: see OVERLAP_LINES."""
    if not shared:
        return False
    smaller = min(a_rows, b_rows)
    if tbl.key or shared == smaller:
        return True
    return shared >= OVERLAP_LINES and shared >= OVERLAP_SHARE * smaller


def _copy_message(a: FileReport, b: FileReport, paths: Mapping[str, Path]) -> str:
    if filecmp.cmp(paths[a.file], paths[b.file], shallow=False):
        return (f"the same content as {a.file}: loading both would count each of its "
                f"{b.rows:,} records twice; take one of the two out of the folder")
    return (f"the same {b.rows:,} lines as {a.file} once read (the same data saved again, e.g. "
            "as .xlsx and .csv or with other line ends): loading both would count each of them "
            "twice; take one of the two out of the folder")


def overlaps(db: Database, batches: list[tuple[Period, dict[str, pd.DataFrame]]],
             ) -> list[Problem]:
    """Transaction tables that two overlapping periods would both fill (master data may)."""
    replaced = {inner.label for inner, _ in batches}
    problems = []
    for name, tbl in schema.TABLES.items():
        if tbl.master:
            continue
        filling = [inner for inner, tables in batches if len(tables.get(name, ()))]
        if not filling:
            continue
        stored = []
        for (label,) in db.execute(schema.loaded_periods_sql(tbl),
                                   name=f"load: periods in {name}").fetchall():
            if label in replaced:
                continue
            try:
                stored.append(parse_period(label))
            except InputError:
                continue
        for i, inner in enumerate(filling):
            for other in filling[i + 1:] + stored:
                if inner.start < other.end and other.start < inner.end:
                    where = ("already loaded" if other in stored
                             else f"folder {other.label} in this load")
                    problems.append(Problem(
                        f"{inner.label}/", f"{name}: the days of {inner.label} overlap "
                        f"{other.label} ({where}), which also has {name} rows: the same records "
                        "would count twice. Keep the files in one of the two folders."))
    return problems
