"""Loading a period: recognise every raw file, read it into its canonical table, check, insert.

Nothing touches the database until every file of the period has been read and checked; then
the period's rows are replaced in one transaction, so a load is all or nothing and repeatable.

The steps live in their own modules: ``readers`` (bytes to a table of cell text, ``cells``),
``detect`` (which profile reads a file), ``sheet`` (one file into canonical lines, with
``shaping``, ``values`` and ``lines``; its own totals in ``totals``), ``checks`` (the data
contracts), ``overlaps`` (records a load would count twice) and ``store`` (into DuckDB).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from recon_lib import checks, config, schema
from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.load import readers, store, waybills
from recon_lib.load.detect import detect, scan_folder
from recon_lib.load.overlaps import OVERLAP_LINES, OVERLAP_SHARE, overlaps, same_lines
from recon_lib.load.profile import Profile, load_profiles, profile_dirs
from recon_lib.load.sheet import LINEAGE_NAMES, PRIVATE_MARK, read_path
from recon_lib.load.store import insert as _insert
from recon_lib.load.store import to_arrow
from recon_lib.periods import Period, parse_period

log = logging.getLogger(__name__)

__all__ = ["LINEAGE_NAMES", "OVERLAP_LINES", "OVERLAP_SHARE", "PRIVATE_MARK", "FileReport",
           "LoadReport", "load_period", "period_folders", "read_file", "to_arrow"]


@dataclass(frozen=True)
class FileReport:
    """What one raw file contributed to the load."""

    file: str
    profile: str
    table: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class LoadReport:
    """The result of :func:`load_period`: one entry per file, in file-name order."""

    period: str
    folder: Path
    files: tuple[FileReport, ...]
    seconds: float
    tables: dict[str, int] = field(default_factory=dict)
    """Rows loaded per canonical table (tables without a file this period are absent)."""
    folders: tuple[Path, ...] = ()
    """Every folder loaded: the period's own and those of shorter periods inside it."""

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def to_dict(self) -> dict:
        return {
            "period": self.period, "folder": str(self.folder),
            "folders": [str(f) for f in self.folders], "rows": self.rows,
            "seconds": round(self.seconds, 3), "tables": dict(self.tables),
            "files": [vars(f) for f in self.files],
        }



# -- one file ---------------------------------------------------------------------------------
def read_file(path: str | Path, profile: Profile, period: Period, *,
              base: str | Path | None = None) -> pd.DataFrame:
    """Read one raw file into the canonical table's columns plus the lineage columns.

    ``source_file`` is the path relative to ``base`` (default: the file's folder, i.e. the
    period folder). Raises one InputError carrying every problem of the file.
    """
    path = Path(path)
    label = _label(path, Path(base) if base is not None else path.parent)
    result = read_path(path, profile, period, label)
    if result.problems:
        raise InputError(f"{label} could not be read with profile {profile.name}: "
                         f"{len(result.problems)} problem(s)", result.problems)
    # Not kept on the frames of a load: pandas copies attrs into every Series taken from them.
    result.frame.attrs["profile"] = profile.name
    result.frame.attrs["headers"] = result.headers
    return result.frame


def _label(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()



# -- a period ---------------------------------------------------------------------------------
def period_folders(data_dir: str | Path, period: Period) -> list[tuple[Period, Path]]:
    """The raw-data folders a run of ``period`` loads: its own (``<data_dir>/<label>/``) and
    those of every shorter period inside it (the days of a week, the days and weeks of a
    month...), earliest first. Folders whose names are not periods are ignored."""
    root = Path(data_dir)
    found = []
    if root.is_dir():
        for path in root.iterdir():
            if not path.is_dir():
                continue
            try:
                inner = parse_period(path.name)
            except InputError:
                continue
            if inner.label == path.name and period.covers(inner):
                found.append((inner, path))
    return sorted(found, key=lambda item: (item[0].start, -item[0].days))


def load_period(db: Database, period: Period, data_dir: str | Path | None = None,
                profiles: Mapping[str, Profile] | Iterable[Profile] | None = None,
                require: Iterable[str] = ()) -> LoadReport:
    """Load every raw file of the period's folders (see :func:`period_folders`).

    All files are recognised, read and checked first; any problem anywhere raises one
    InputError listing them all and leaves the database untouched. Otherwise each folder's rows
    are replaced in every canonical table in one transaction. Rows are tagged with the label of
    the folder they came from, so loading a day and later the week holding it stores them once.
    Two folders (or a folder and rows already stored) whose days overlap may not fill the same
    table: the same records would count twice. A load of reference data only, or one without
    rows of a table in ``require``, is refused before anything is stored.
    """
    started = time.perf_counter()
    root = Path(data_dir if data_dir is not None else config.RAW_DIR)
    folders = period_folders(root, period)
    if not folders:
        where = root / period.label
        inside = (" or a folder of a period inside it (e.g. "
                  f"{root / period.start.isoformat()})" if period.days > 1 else "")
        raise InputError(f"no data for period {period.label}: folder {where} does not exist"
                         f"{inside}", [Problem(str(where), "folder does not exist")])
    if profiles is None:
        profiles = load_profiles(profile_dirs())

    several = len(folders) > 1
    problems: list[Problem] = []
    reports: list[FileReport] = []
    batches: list[tuple[Period, dict[str, pd.DataFrame]]] = []
    empty: list[Path] = []
    paths: dict[str, Path] = {}
    loaded: list[tuple[str, dict[str, pd.DataFrame]]] = []  # (prefix, tables) of each folder
    for inner, folder in folders:
        prefix = f"{folder.name}/" if several else ""
        scan = scan_folder(folder, root=root)  # files it cannot read are problems, not skipped
        problems += [Problem(prefix + p.file, p.message) for p in scan.problems]
        files = list(scan.files)
        paths |= {prefix + _label(path, folder): path for path in files}
        if not files:
            empty.append(folder)
            continue
        tables, found, read = _read_folder(folder, files, inner, profiles, prefix)
        problems += found
        reports += read
        batches.append((inner, tables))
        loaded.append((prefix, tables))
    if len(empty) == len(folders) and not problems:
        names = ", ".join(str(f) for f in empty)
        raise InputError(f"no data for period {period.label}: folder {names} has no "
                         ".csv, .txt, .xlsx or .xls file",
                         [Problem(str(f), "no data files in the folder") for f in empty])
    for folder in empty:  # e.g. a month folder holding only the answer key of its days
        log.info("%s has no .csv, .txt, .xlsx or .xls file", folder)
    have = {r.table for r in reports if r.rows}
    for name in dict.fromkeys(n.partition(".")[0] for n in require):
        if name in schema.TABLES and not schema.table(name).master and name not in have:
            problems.append(Problem(name, f"required source {name} has no rows in this load "
                                          "(--require / require: in recon.yml)"))
    if not problems and not any(not schema.table(r.table).master for r in reports):
        # replacing the period with reference data alone would delete its stored records
        kinds = ", ".join(sorted({r.table for r in reports}))
        raise InputError(
            f"period {period.label} was not loaded: its files hold only reference data ({kinds}),"
            " no orders, shipments, movements, bills, returns, settlements or bank lines; "
            "nothing was changed", [Problem(r.file, f"reference data ({r.table}) only")
                                    for r in reports])
    problems += overlaps(db, batches)
    problems += same_lines(reports, paths, loaded)
    if problems:
        count = len({p.file for p in problems})
        where = ", ".join(str(f) for _, f in folders)
        raise InputError(f"period {period.label} was not loaded ({where}): {len(problems)} "
                         f"problem(s) in {count} file(s); nothing was changed", problems)

    counts: dict[str, int] = {}
    for _, tables in batches:
        for name, frame in tables.items():
            counts[name] = counts.get(name, 0) + len(frame)
    del loaded
    with db.transaction():
        for inner, tables in batches:
            for name in schema.TABLES:
                db.execute(schema.clear_period_sql(schema.table(name)), {"period": inner.label},
                           name=f"load: clear {name}")
            for name in list(tables):  # a table's frame is let go once it is stored
                _insert(db, name, tables.pop(name))
    seconds = time.perf_counter() - started
    report = LoadReport(period.label, folders[0][1], tuple(reports), seconds, counts,
                        tuple(f for _, f in folders))
    log.info("loaded period %s: %d folder(s), %d files, %d rows in %.2fs", period.label,
             len(folders), len(reports), report.rows, seconds)
    return report


def _read_folder(folder: Path, files: list[Path], period: Period,
                 profiles: Mapping[str, Profile] | Iterable[Profile], prefix: str,
                 ) -> tuple[dict[str, pd.DataFrame], list[Problem], list[FileReport]]:
    """Read and check one folder's files; problems name files as ``<prefix><file>``."""
    problems: list[Problem] = []
    reports: list[FileReport] = []
    frames: dict[str, list[pd.DataFrame]] = {}
    headers: dict[str, dict[str, str]] = {}
    unreadable: set[str] = set()  # tables with a file that could not be read at all
    unknown_file = False
    facts: list[pd.DataFrame] = []  # what each bill says about its waybills
    if not isinstance(profiles, Mapping):
        profiles = list(profiles)  # read more than once
    usable = profiles.values() if isinstance(profiles, Mapping) else profiles
    need_facts = any(p.from_bill for p in usable)  # read only when a profile will use them
    wanting: list[tuple[str, pd.DataFrame, Profile]] = []  # files with from_bill columns
    for path in files:
        stored = _label(path, folder)
        label = prefix + stored
        t0 = time.perf_counter()
        source = readers.Source(path, label)  # read from disk (and parsed) once
        try:
            profile = detect(path, profiles, label=label, source=source)
        except InputError as exc:
            problems += exc.problems or [Problem(label, str(exc))]
            unknown_file = True
            continue
        result = read_path(path, profile, period, label, facts=need_facts, source=source)
        problems += result.problems
        if result.frame is None:
            unreadable.add(profile.table)
            continue
        result.frame["source_file"] = stored  # lineage is the file in its own folder
        seconds = time.perf_counter() - t0
        rows = len(result.frame)
        frame = store.compact(result.frame, profile.table)  # before the next file is read
        result.frame = None  # only the compact copy is kept
        frames.setdefault(profile.table, []).append(frame)
        if result.facts is not None:
            facts.append(result.facts)
        if profile.from_bill:
            wanting.append((label, frame, profile))
        headers[stored] = result.headers
        reports.append(FileReport(label, profile.name, profile.table, rows, seconds))
        log.info("read %s as %s -> %s: %d rows in %.2fs (%.0f rows/s)", label, profile.name,
                 profile.table, rows, seconds, rows / seconds if seconds else 0)
        if rows == 0:
            log.warning("%s has a header but no data rows", label)

    problems += _from_bills(wanting, facts)
    if wanting:  # the columns the bills filled
        frames = {name: [store.compact(part, name) for part in parts]
                  for name, parts in frames.items()}
    tables = {name: pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
              for name, parts in frames.items()}
    # A reference into a table whose file is missing from the load would only add noise.
    skip = set(schema.TABLES) if unknown_file else unreadable
    seen = {(p.file, p.row, p.column) for p in problems}
    for found in checks.check_tables(tables, skip_references_to=skip, period=period):
        found = _with_header(found, headers)
        if prefix:
            found = Problem(prefix + found.file, found.message, found.row, found.column)
        if (found.file, found.row, found.column) not in seen:  # a bad cell is reported once
            problems.append(found)
    return tables, problems, reports


def _from_bills(wanting: list[tuple[str, pd.DataFrame, Profile]],
                facts: list[pd.DataFrame]) -> list[Problem]:
    """Fill the ``from_bill`` columns (a dispatch list's carrier, service...) of the folder's
    files from what its courier bills say about their waybills; see ``load.waybills``."""
    if not wanting:
        return []
    known = waybills.bill_facts(facts)
    problems: list[Problem] = []
    for label, frame, profile in wanting:
        problems += waybills.fill(frame, profile.from_bill, known, label)
    return problems



def _with_header(problem: Problem, headers: dict[str, dict[str, str]]) -> Problem:
    """Name the column as the file's header says, and keep the canonical name in the text."""
    names = headers.get(problem.file, {})
    if problem.column is None:
        return problem
    columns = [c.strip() for c in problem.column.split(",")]
    if not any(c in names for c in columns):
        return problem
    shown = ", ".join(names.get(c, c) for c in columns)
    return Problem(problem.file, problem.message, problem.row, shown)


