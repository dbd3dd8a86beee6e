"""Recognising files: which profile reads a file, judged by the header cells of its first rows."""

from __future__ import annotations

import fnmatch
import logging
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from recon_lib.errors import InputError, Problem
from recon_lib.load import readers
from recon_lib.load.profile import Profile

log = logging.getLogger(__name__)

SHOWN_CANDIDATES = 3

SKIPPED: tuple[tuple[str, str], ...] = (
    ("README*", "notes for people (README, README.txt, ...)"),
    ("*.md", "notes for people (Markdown)"),
    (".DS_Store", "macOS folder settings"),
    ("._*", "macOS resource forks, left next to every file copied to a USB stick or a network "
            "drive"),
    ("Thumbs.db", "Windows thumbnails"),
    ("desktop.ini", "Windows folder settings"),
    ("~$*", "Excel and WPS lock files (the workbook is open)"),
    (".~lock.*#", "LibreOffice lock files (the file is open)"),
)
"""The files of a period folder skipped without a word: (name pattern, what it is). Patterns
are shell-style and ignore case. Sub-folders are not read either (the demo's ``_truth`` answer
key among them). Every other file is read, or refused as a problem: nothing else is skipped
silently, so a run knows everything it was given."""

NOT_DATA: dict[str, str] = {
    ".xlsb": "a binary Excel workbook (.xlsb): open it in Excel and save it as .xlsx",
    ".numbers": "an Apple Numbers document: export it as .xlsx or .csv",
    ".ods": "an OpenDocument spreadsheet: save it as .xlsx",
    ".et": "a WPS spreadsheet (.et): save it as .xlsx",
    ".zip": "an archive: recon does not read inside archives; unpack the data files into the "
            "folder and take the archive out",
    ".rar": "an archive: recon does not read inside archives; unpack the data files into the "
            "folder and take the archive out",
    ".7z": "an archive: recon does not read inside archives; unpack the data files into the "
           "folder and take the archive out",
}
"""Kinds of file that look like data but that recon does not read, and what to do instead."""

OTHER_FILE = (f"not a data file recon reads ({', '.join(readers.SUFFIXES)}); take it out of the "
              "folder, or put it in a sub-folder (sub-folders are not read)")


@dataclass(frozen=True)
class FolderScan:
    """What a period folder holds: the files to read, and the files refused."""

    files: tuple[Path, ...]
    """Data files (.csv .txt .xlsx .xlsm .xls), in name order."""
    problems: tuple[Problem, ...]
    """Files recon does not read and will not skip silently, named by their name."""
    skipped: tuple[str, ...]
    """Names skipped without a word: sub-folders and the kinds of file in ``SKIPPED``."""


@dataclass(frozen=True)
class Candidate:
    """How well one profile's signature fits one file."""

    profile: Profile
    found: int
    missing: tuple[str, ...]
    type_ok: bool
    """Whether the profile reads this kind of file (its ``file_types``)."""
    sheet: str | None = None
    row: int | None = None
    """Header row when matched; otherwise the row that came closest."""
    sheets: tuple[str, ...] = ()
    """Workbooks: every sheet whose first rows hold the whole signature (``sheet`` is the
    first of them)."""

    @property
    def score(self) -> float:
        """Share of the signature's cells found in the file's first rows."""
        return self.found / len(self.profile.signature)

    @property
    def matched(self) -> bool:
        return self.type_ok and not self.missing

    def describe(self) -> str:
        p = self.profile
        text = f"{p.name} ({p.table}): {self.found} of {len(p.signature)} signature headers found"
        if self.missing:
            text += "; missing " + ", ".join(repr(m) for m in self.missing)
        if not self.type_ok:
            text += f"; reads {'/'.join(p.file_types)} files only"
        return text


def scan_folder(folder: str | Path, *, root: str | Path | None = None) -> FolderScan:
    """Sort a period folder's entries into data files, documented skips and problems.

    Nothing is opened except to tell what a file is from its name and ``stat``: a FIFO, socket
    or device is refused without being read. A symbolic link is followed when its target is
    inside ``root`` (the data folder; default: the folder's parent, as for
    ``data/raw/<period>/``) or inside the folder itself, and refused otherwise.
    """
    folder = Path(folder)
    root = Path(root) if root is not None else folder.parent
    inside = (Path(os.path.realpath(root)), Path(os.path.realpath(folder)))
    files, problems, skipped = [], [], []
    for path in sorted(folder.iterdir()):
        verdict = _judge(path, root, inside)
        if verdict is None:
            files.append(path)
        elif verdict == "":
            skipped.append(path.name)
        else:
            problems.append(Problem(path.name, verdict))
    if skipped:
        log.debug("%s: skipped %s", folder, ", ".join(skipped))
    return FolderScan(tuple(files), tuple(problems), tuple(skipped))


def _judge(path: Path, root: Path, inside: tuple[Path, ...]) -> str | None:
    """None to read the entry, "" to skip it without a word, else why it is refused."""
    name = path.name
    suffix = path.suffix.lower()
    link = path.is_symlink()
    target = Path(os.path.realpath(path)) if link else path
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if link:
            return f"a link to {target}, which does not exist: copy the file in instead"
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        # Sub-folders (the demo's _truth answer key among them) are not read; an old-style
        # Numbers document is a folder too.
        return NOT_DATA[suffix] if suffix == ".numbers" else ""
    if _skipped(name):
        return ""
    if link and not any(target.is_relative_to(p) for p in inside):
        return (f"a link to {target}, outside the data folder {root}: recon reads only files "
                "inside the data folder; copy the file in instead of linking to it")
    what = readers.not_regular(mode)
    if what is not None:
        return f"{what}, not a file: recon reads regular files only; take it out of the folder"
    if name.startswith("."):
        return ("a hidden file (its name starts with '.'): recon does not skip files silently; "
                "if it is data, rename it without the dot, else take it out of the folder")
    if suffix in readers.SUFFIXES:
        return None
    return NOT_DATA.get(suffix, OTHER_FILE)


def _skipped(name: str) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, pattern.lower()) for pattern, _ in SKIPPED)


def period_files(folder: str | Path, *, root: str | Path | None = None) -> list[Path]:
    """Data files of a period folder (see :func:`scan_folder`); an InputError naming every file
    that is neither data nor one of the documented ``SKIPPED`` kinds."""
    folder = Path(folder)
    scan = scan_folder(folder, root=root)
    if scan.problems:
        raise InputError(f"{folder}: {len(scan.problems)} file(s) recon does not read",
                         list(scan.problems))
    return list(scan.files)


def _profiles(profiles: Mapping[str, Profile] | Iterable[Profile]) -> list[Profile]:
    return list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)


def candidates(path: str | Path, profiles: Mapping[str, Profile] | Iterable[Profile], *,
               label: str | None = None, source: readers.Source | None = None) -> list[Candidate]:
    """Every profile scored against the file, best first (matches, then by share found).
    ``source``: the file read once for recognising and reading it (see ``readers.Source``)."""
    path = Path(path)
    label = label or str(path)
    profiles = _profiles(profiles)
    if not profiles:
        return []
    kind = readers.file_kind(path)
    depth = max(p.header_search_rows for p in profiles)
    sheets = None
    grids: dict[str, list[readers.Row]] = {}  # text rows per delimiter, parsed once each
    if path.suffix.lower() in readers.EXCEL_SUFFIXES:
        if source is not None:  # the whole workbook, parsed once for reading it too
            sheets = {name: cells.rows(0, depth) for name, cells in source.sheets().items()}
        else:
            sheets = readers.read_excel_sheets(path, label, max_rows=depth)
    keys: dict[int, list[set[str]]] = {}  # each grid's header keys, by id of its rows

    def keyed(rows: list[readers.Row]) -> list[set[str]]:
        if id(rows) not in keys:
            keys[id(rows)] = readers.header_keys(rows[:depth])
        return keys[id(rows)]

    out = []
    for profile in profiles:
        if sheets is not None:
            if profile.sheet is not None and profile.sheet in sheets:
                chosen = {profile.sheet: sheets[profile.sheet]}
            elif profile.sheet is not None:
                chosen = {}
            else:
                chosen = sheets
        else:
            if profile.delimiter not in grids:
                grids[profile.delimiter] = readers.read_text_rows(
                    path, "auto", profile.delimiter, label, max_rows=depth, source=source)
            chosen = {None: grids[profile.delimiter]}
        best = Candidate(profile, 0, profile.signature, kind in profile.file_types)
        holding: list[str] = []  # every sheet that holds the whole signature
        for sheet, rows in chosen.items():
            found = readers.find_header(rows, profile.signature, profile.header_search_rows,
                                        keys=keyed(rows))
            if found.index is not None:
                if not holding:
                    best = Candidate(profile, found.found, found.missing, best.type_ok, sheet,
                                     found.row)
                holding.append(sheet)
            elif not holding and found.found > best.found:
                best = Candidate(profile, found.found, found.missing, best.type_ok, sheet,
                                 found.row)
        if sheets is not None and holding:
            best = replace(best, sheets=tuple(holding))
        out.append(best)
    out.sort(key=lambda c: (not c.matched, -c.score, -len(c.profile.signature), c.profile.name))
    return out


@dataclass(frozen=True)
class Recognition:
    """Which profile reads a file, and why: the profiles whose signature the file holds, or
    the closest ones when none does."""

    path: Path
    profile: Profile | None
    """The profile that reads the file; None when none does or several tie."""
    matched: tuple[Candidate, ...]
    """Every profile whose whole signature is in the file (longest signature first)."""
    closest: tuple[Candidate, ...]
    """When nothing matched: the profiles that came closest."""
    problem: str | None = None
    """Why the file is not recognised."""
    sheets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """A workbook refused because several of its sheets hold data: sheet -> matching profiles."""

    @property
    def chosen(self) -> Candidate | None:
        return next((c for c in self.matched if c.profile is self.profile), None)


def recognise(path: str | Path, profiles: Mapping[str, Profile] | Iterable[Profile], *,
              label: str | None = None, source: readers.Source | None = None) -> Recognition:
    """The profile that reads the file, the other profiles that match it, or the closest ones.

    A profile matches when its whole signature is in one of the file's first rows and it reads
    this kind of file. When several match, the longest signature wins; a tie is not resolved.
    A workbook with a sheet that another profile recognises besides the winner's is not
    resolved either, unless the winning profile names its sheet. (Several sheets of the
    winner's layout are resolved when the file is read: see ``loader.read_file``.)
    """
    path = Path(path)
    scored = candidates(path, profiles, label=label, source=source)
    matched = tuple(c for c in scored if c.matched)
    if not matched:
        return Recognition(path, None, (), tuple(scored[:SHOWN_CANDIDATES]),
                           "no profile has its whole signature in the first rows")
    longest = len(matched[0].profile.signature)
    best = [c for c in matched if len(c.profile.signature) == longest]
    if len(best) > 1:
        names = ", ".join(c.profile.name for c in best)
        return Recognition(path, None, matched, (), f"matches the profiles {names}, whose "
                           "signatures are equally long; make one signature longer (add a "
                           "header only its layout has)")
    chosen = best[0]
    if chosen.profile.sheet is None:
        # Sheets of the winner's own layout may be copies: the loader reads them all and
        # accepts them only when their lines are the same. Another profile's sheet is refused.
        holding: dict[str, tuple[str, ...]] = {}
        for c in matched:
            for sheet in c.sheets:
                holding[sheet] = (*holding.get(sheet, ()), c.profile.name)
        if any(sheet not in chosen.sheets for sheet in holding):
            return Recognition(path, None, matched, (), readers.several_sheets(holding),
                               holding)
    return Recognition(path, chosen.profile, matched, ())


def _is_empty(path: Path) -> bool:
    """Nothing but a byte-order mark and blank space (what a failed export often leaves)."""
    try:
        with path.open("rb") as f:
            start = f.read(4096)
    except OSError:
        return False  # reading it properly will say what is wrong
    return len(start) < 4096 and not start.removeprefix(b"\xef\xbb\xbf").strip()


def detect(path: str | Path, profiles: Mapping[str, Profile] | Iterable[Profile], *,
           label: str | None = None, source: readers.Source | None = None) -> Profile:
    """The profile that reads the file; an InputError naming the closest profiles otherwise.

    A profile matches when its whole signature is in one of the file's first rows and it reads
    this kind of file. When several match, the longest signature wins; a tie is an error.
    ``source``: the file read once, to be read again by the loader without going to disk or
    parsing the workbook twice (see ``readers.Source``).
    """
    path = Path(path)
    label = label or str(path)
    readers.ensure_regular(path, label)  # before anything opens it
    if _is_empty(path):
        raise InputError(f"{label} is empty", [Problem(
            label, "the file is empty (no header row, no data): export it again, or take it out "
                   "of the folder")])
    found = recognise(path, profiles, label=label, source=source)
    if found.profile is None and not found.matched:
        closest = found.closest
        message = f"{label}: no profile recognises this file"
        if closest:
            message += "; closest: " + ", ".join(c.profile.name for c in closest)
        else:
            message += " (no profiles are loaded)"
        problems = [Problem(label, "no profile recognises this file (unknown layout): no profile "
                                   "has its whole signature in the first rows")]
        problems += [Problem(label, f"closest profile {c.describe()}", c.row) for c in closest]
        raise InputError(message, problems)
    if found.sheets:
        raise InputError(f"{label}: several sheets hold data", [Problem(label, found.problem)])
    if found.profile is None:
        longest = len(found.matched[0].profile.signature)
        best = [c for c in found.matched if len(c.profile.signature) == longest]
        names = ", ".join(c.profile.name for c in best)
        raise InputError(f"{label} matches several profiles equally: {names}", [Problem(
            label, found.problem, best[0].row)])
    log.debug("%s recognised as %s (header row %s)", label, found.profile.name, found.chosen.row)
    return found.profile
