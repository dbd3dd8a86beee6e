"""A starting profile from a file's own headers (``recon profiles new FILE``).

The header row is the first of the file's first rows with the most text cells. Each canonical
column of the chosen table is mapped to a header that a built-in profile of the same table reads
it from (``订单编号`` is ``order_id`` in every order export); the rest are left as comments for
the user to fill in. The result is YAML text, validated by the same parser as any profile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from recon_lib import schema
from recon_lib.errors import InputError, Problem
from recon_lib.load import readers, values
from recon_lib.load.profile import Profile, parse_profile

SEARCH_ROWS = 40
SIGNATURE_SIZE = 8
"""Headers a starting profile requires: more than a built-in one usually does, so the profile
made from a file wins its detection over a general built-in layout."""


def header_row(rows: list[readers.Row]) -> readers.Row:
    """The row among the first ones with the most non-numeric text cells (ties: the first)."""
    def texts(cells: list[str]) -> int:
        return sum(1 for c in cells if c and values.total_number(c) is None)

    head = rows[:SEARCH_ROWS]
    if not head or not max(texts(cells) for _, cells in head):
        raise InputError("no header row: the file's first rows hold no text cells")
    return max(head, key=lambda row: (texts(row[1]), -row[0]))


def known_headers(profiles: Mapping[str, Profile], table: str) -> dict[str, tuple[str, dict]]:
    """Header key -> (canonical column, the rule's value map and date formats), from every
    profile of ``table``: ``平台`` read as ``channel`` with ``天猫: tmall``."""
    known: dict[str, tuple[str, dict]] = {}
    for profile in profiles.values():
        if profile.table != table:
            continue
        for column, rule in profile.columns.items():
            extra = {}
            if rule.map:
                extra["map"] = dict(rule.map)
            if rule.formats:
                extra["formats"] = list(rule.formats)
            for header in rule.from_:
                known.setdefault(values.header_key(header), (column, extra))
    return known


@dataclass(frozen=True)
class Starter:
    name: str
    text: str
    """The profile as YAML, unmapped columns as comments."""
    unmapped_required: tuple[str, ...]
    """Required columns still to map: until they are, the profile is not complete."""


def starter_profile(path: str | Path, table: str, profiles: Mapping[str, Profile], *,
                    name: str | None = None) -> Starter:
    """A profile that reads ``path`` into ``table``: what could be mapped, mapped; the rest
    listed for the user."""
    path = Path(path)
    if table not in schema.TABLES:
        raise InputError(f"unknown table {table!r}",
                         [Problem(str(path), f"expected one of {', '.join(schema.TABLES)}")])
    grid = readers.read_grid(path, label=path.name, max_rows=SEARCH_ROWS)
    number, cells = header_row(grid.rows)
    headers = [c for c in cells if c]
    known = known_headers(profiles, table)
    columns: dict[str, dict] = {}
    for header in headers:
        column, extra = known.get(values.header_key(header), (None, {}))
        if column is not None and column not in columns:
            columns[column] = {"from": header, **extra}
    tbl = schema.table(table)
    name = name or re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_") or "my_profile"
    suffix = path.suffix.lower().lstrip(".")
    document = {
        "name": name,
        "table": table,
        "description": f"{path.name} - written by `recon profiles new` from its header row "
                       f"{number}{f' on sheet {grid.sheet}' if grid.sheet else ''}; check it.",
        "file_types": ["xlsx" if suffix == "xlsm" else suffix],
        "signature": headers[:SIGNATURE_SIZE],
        "columns": columns,
    }
    if grid.sheet:
        document["sheet"] = grid.sheet
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    missing = [c for c in tbl.columns if c.name not in columns]
    if missing:
        text += "# Columns not mapped yet (required ones must be; see docs/profiles.md):\n"
        for c in missing:
            need = "required" if c.required else "optional"
            text += f"#  {c.name}: {{from: ?}}   # {need}: {c.description}\n"
    unused = [h for h in headers if values.header_key(h) not in
              {values.header_key(r["from"]) for r in columns.values()}]
    if unused:
        text += "# Headers not read: " + ", ".join(unused) + "\n"
    _check(text, path)
    return Starter(name, text, tuple(c.name for c in missing if c.required))


def _check(text: str, path: Path) -> None:
    """The written profile parses (a required column still unmapped is the user's to fill)."""
    _, problems = parse_profile(yaml.safe_load(text), path.with_suffix(".yaml"))
    serious = [p for p in problems if "required" not in p.message]
    if serious:
        raise InputError(f"{path.name}: the starting profile does not parse", serious)
