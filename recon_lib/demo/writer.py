"""Write canonical frames as the files a merchant receives, through the same profiles that read them.

The writer is the loader's inverse: headers come from each column's ``from``, values are mapped
back through ``map`` and dates formatted with the first of ``formats``. A demo file therefore
always round-trips through its profile; the layout quirks (preambles, trailers, title rows,
thousand separators, numbers stored as text) are added on top, as real exports have them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from recon_lib import schema
from recon_lib.load.profile import Profile


@dataclass(frozen=True)
class FileLayout:
    """How one demo file looks beyond what its profile says."""

    filename: str
    profile: str
    encoding: str = "utf-8-sig"
    preamble: Sequence[str] = ()
    trailer: Sequence[str] = ()
    title_rows: Sequence[str] = ()
    thousands: Sequence[str] = ()
    """Canonical money columns written with thousand separators (1,234.50)."""
    numbers_as_text: bool = False
    """Excel: store numbers as text cells, as some courier systems do."""
    extra: dict[str, Callable[[pd.DataFrame], Sequence]] = field(default_factory=dict)
    """Header -> values for columns no profile reads (序号, 经手人...); placed first."""
    placeholder: str = ""
    """What an empty cell looks like (banks write '-')."""
    order: Sequence[str] = ()
    """Header order of the real export, where it differs from the profile's column order."""


def _money(values: pd.Series) -> pd.Series:
    return values.map(lambda v: None if pd.isna(v) else Decimal(int(v)).scaleb(-2))


def render(df: pd.DataFrame, profile: Profile, layout: FileLayout) -> pd.DataFrame:
    """Canonical frame -> frame of file cells under the profile's headers."""
    tbl = schema.table(profile.table)
    out = {}
    for header, make in layout.extra.items():
        out[header] = list(make(df))
    for name, rule in profile.columns.items():
        col = tbl.column(name)
        if name in df:
            values = df[name]
        elif f"{name}_fen" in df:
            values = _money(df[f"{name}_fen"])
        elif name == "weight_kg" and "weight_g" in df:
            values = df["weight_g"].map(lambda g: None if pd.isna(g) else Decimal(int(g)).scaleb(-3))
        else:
            values = pd.Series([None] * len(df), index=df.index)
        if rule.map:
            back = {}
            for text, canonical in rule.map.items():
                back.setdefault(canonical, text)
            values = values.map(lambda v, back=back: back.get(v, v))
        parts = {rule.from_[0]: values}
        if rule.minus is not None:  # a signed amount in two columns: money in, money out
            parts[rule.minus.from_[0]] = values.map(
                lambda v: None if v is None or pd.isna(v) or v >= 0 else -v)
            parts[rule.from_[0]] = values.map(
                lambda v: None if v is None or pd.isna(v) or v < 0 else v)
        for header, part in parts.items():
            if col.type in ("TIMESTAMP", "DATE") and rule.formats:
                fmt = rule.formats[0]
                part = pd.to_datetime(part).map(lambda v, fmt=fmt: None if pd.isna(v) else
                                                v.strftime(fmt))
            elif name in layout.thousands:
                part = part.map(lambda v: None if v is None or pd.isna(v) else f"{v:,.2f}")
            elif col.type == "BOOLEAN":
                part = part.map(lambda v: None if v is None else ("是" if v else "否"))
            out[header] = list(part)
    frame = pd.DataFrame(out)
    if layout.order:
        frame = frame[list(layout.order)]
    return frame.astype(object).where(frame.notna(), None)


def _cell(value, placeholder: str):
    if value is None:
        return placeholder
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_csv(frame: pd.DataFrame, path: Path, profile: Profile, layout: FileLayout) -> None:
    delimiter = profile.delimiter or ","
    with open(path, "w", encoding=layout.encoding, newline="") as fh:
        for line in layout.preamble:
            fh.write(line + "\n")
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(frame.columns)
        for row in frame.itertuples(index=False):
            writer.writerow([_cell(v, layout.placeholder) for v in row])
        for line in layout.trailer:
            fh.write(line + "\n")


def write_xlsx(frame: pd.DataFrame, path: Path, profile: Profile, layout: FileLayout) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(profile.sheet or "Sheet1")
    for title in layout.title_rows:
        ws.append([title])
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, Decimal | int | float) and not isinstance(v, bool):
                v = str(v) if layout.numbers_as_text else float(v)
            cells.append(v)
        ws.append(cells)
    for line in layout.trailer:
        ws.append([line])
    wb.save(path)


def write_file(df: pd.DataFrame, folder: Path, profile: Profile, layout: FileLayout) -> Path:
    path = folder / layout.filename
    frame = render(df, profile, layout)
    if path.suffix == ".xlsx":
        write_xlsx(frame, path, profile, layout)
    else:
        write_csv(frame, path, profile, layout)
    return path
