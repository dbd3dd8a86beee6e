"""Recognising files: which profile reads a file, judged by the header cells of its first rows."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from recon_lib import config
from recon_lib.errors import InputError, Problem
from recon_lib.load import readers
from recon_lib.load.profile import Profile

log = logging.getLogger(__name__)

SHOWN_CANDIDATES = 3


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


def period_files(folder: str | Path) -> list[Path]:
    """Data files of a period folder: .csv .txt .xlsx .xls, not recursive, no hidden/lock files."""
    folder = Path(folder)
    files = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith((".", "~$")) or path.name == config.TRUTH_DIRNAME:
            continue
        if path.suffix.lower() in readers.SUFFIXES:
            files.append(path)
        else:
            log.info("ignoring %s: not a .csv, .txt, .xlsx or .xls file", path.name)
    return files


def _profiles(profiles: Mapping[str, Profile] | Iterable[Profile]) -> list[Profile]:
    return list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)


def candidates(path: str | Path, profiles: Mapping[str, Profile] | Iterable[Profile], *,
               label: str | None = None) -> list[Candidate]:
    """Every profile scored against the file, best first (matches, then by share found)."""
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
        sheets = readers.read_excel_sheets(path, label, max_rows=depth)
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
                    path, "auto", profile.delimiter, label, max_rows=depth)
            chosen = {None: grids[profile.delimiter]}
        best = Candidate(profile, 0, profile.signature, kind in profile.file_types)
        for sheet, rows in chosen.items():
            found = readers.find_header(rows, profile.signature, profile.header_search_rows)
            if found.found > best.found or found.index is not None:
                best = Candidate(profile, found.found, found.missing, best.type_ok, sheet,
                                 found.row)
            if found.index is not None:
                break
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

    @property
    def chosen(self) -> Candidate | None:
        return next((c for c in self.matched if c.profile is self.profile), None)


def recognise(path: str | Path, profiles: Mapping[str, Profile] | Iterable[Profile], *,
              label: str | None = None) -> Recognition:
    """The profile that reads the file, the other profiles that match it, or the closest ones.

    A profile matches when its whole signature is in one of the file's first rows and it reads
    this kind of file. When several match, the longest signature wins; a tie is not resolved.
    """
    path = Path(path)
    scored = candidates(path, profiles, label=label)
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
    return Recognition(path, best[0].profile, matched, ())


def _is_empty(path: Path) -> bool:
    """Nothing but a byte-order mark and blank space (what a failed export often leaves)."""
    try:
        with path.open("rb") as f:
            start = f.read(4096)
    except OSError:
        return False  # reading it properly will say what is wrong
    return len(start) < 4096 and not start.removeprefix(b"\xef\xbb\xbf").strip()


def detect(path: str | Path, profiles: Mapping[str, Profile] | Iterable[Profile], *,
           label: str | None = None) -> Profile:
    """The profile that reads the file; an InputError naming the closest profiles otherwise.

    A profile matches when its whole signature is in one of the file's first rows and it reads
    this kind of file. When several match, the longest signature wins; a tie is an error.
    """
    path = Path(path)
    label = label or str(path)
    if _is_empty(path):
        raise InputError(f"{label} is empty", [Problem(
            label, "the file is empty (no header row, no data): export it again, or take it out "
                   "of the folder")])
    found = recognise(path, profiles, label=label)
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
    if found.profile is None:
        longest = len(found.matched[0].profile.signature)
        best = [c for c in found.matched if len(c.profile.signature) == longest]
        names = ", ".join(c.profile.name for c in best)
        raise InputError(f"{label} matches several profiles equally: {names}", [Problem(
            label, found.problem, best[0].row)])
    log.debug("%s recognised as %s (header row %s)", label, found.profile.name, found.chosen.row)
    return found.profile
