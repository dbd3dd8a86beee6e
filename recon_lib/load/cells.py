"""A file's cell texts stored by column: the table every vectorised step of the loader reads.

A reader turns a file into :class:`Cells`: one Arrow string array per column position, the row
numbers users see, and how many cells each row has. A short row is not the same as a row of
empty cells (a ``drop_rows`` pattern may match an empty cell but never a missing one), so a cell
a row does not have is null. Rows are materialised as Python lists only where few are needed
(the header search, labels above the header, totals rows, the rows a problem names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()
"""The Arrow type of cell text (pandas' ``str`` dtype stores the same)."""
STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' ``str`` dtype, which the column rules' text Series have."""

Row = tuple[int, list[str]]
"""(row number users see, stripped cell texts)."""


@dataclass(frozen=True, eq=False)
class Cells:
    """Rows of cell text, by column (see the module's docstring)."""

    numbers: np.ndarray
    """Row number users see, per row (int64, increasing)."""
    widths: np.ndarray
    """How many cells each row has (int64)."""
    columns: tuple[pa.Array, ...]
    """``columns[j]``: the j-th cell of every row, null where the row is shorter."""

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def width(self) -> int:
        return len(self.columns)

    def column(self, j: int) -> pa.Array:
        """The j-th cells (all null beyond the widest row)."""
        if j < len(self.columns):
            return self.columns[j]
        return pa.nulls(len(self), TEXT)

    def text(self, j: int, index: Iterable | None = None) -> pd.Series:
        """The j-th cells as a pandas ``str`` Series, ``""`` where a row has no such cell."""
        column = self.column(j)
        return text_series(column.fill_null("") if column.null_count else column, index)

    def filled(self, j: int) -> np.ndarray:
        """Whether each row's j-th cell exists and is not empty."""
        if j >= len(self.columns):
            return np.zeros(len(self), dtype=bool)
        column = self.columns[j]
        return bools(pc.not_equal(column, ""))

    def blank(self) -> np.ndarray:
        """Rows without a non-empty cell."""
        out = np.ones(len(self), dtype=bool)
        for j in range(self.width):
            out &= ~self.filled(j)
        return out

    def search(self, j: int, pattern: str | re.Pattern) -> np.ndarray:
        """Rows whose j-th cell exists and ``pattern`` is found in (Python's ``re.search``)."""
        return search(self.column(j), pattern)

    def take(self, positions: np.ndarray | Sequence[int]) -> Cells:
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == len(self) and (positions == np.arange(len(self))).all():
            return self
        indices = pa.array(positions)
        width = int(self.widths[positions].max(initial=0))
        return Cells(self.numbers[positions], self.widths[positions],
                     tuple(c.take(indices) for c in self.columns[:width]))

    def slice(self, start: int, stop: int | None = None) -> Cells:
        stop = len(self) if stop is None else min(stop, len(self))
        start = min(start, stop)
        widths = self.widths[start:stop]
        width = int(widths.max(initial=0))
        return Cells(self.numbers[start:stop], widths,
                     tuple(c.slice(start, stop - start) for c in self.columns[:width]))

    def rows(self, start: int = 0, stop: int | None = None) -> list[Row]:
        """Rows ``start:stop`` as (number, cells) lists."""
        part = self.slice(start, stop)
        values = [c.to_pylist() for c in part.columns]
        return [(int(number), [values[j][i] for j in range(width)])
                for i, (number, width) in enumerate(zip(part.numbers, part.widths, strict=True))]

    def position(self, number: int) -> int | None:
        """Where the row numbered ``number`` is, or None."""
        at = int(np.searchsorted(self.numbers, number))
        return at if at < len(self) and self.numbers[at] == number else None

    @classmethod
    def from_rows(cls, rows: Sequence[Row]) -> Cells:
        """Rows of Python lists (already stripped) as Cells."""
        numbers = np.array([n for n, _ in rows], dtype=np.int64)
        lists = pa.array([cells for _, cells in rows], pa.list_(TEXT))
        return cls.from_lists(numbers, lists)

    @classmethod
    def from_lists(cls, numbers: np.ndarray, lists: pa.ListArray | pa.LargeListArray,
                   widths: np.ndarray | None = None) -> Cells:
        """``lists``: each row's cells; ``widths`` (default: the lists' lengths) may be shorter
        to drop a row's cells (an empty line holds no cell)."""
        offsets = lists.offsets.to_numpy().astype(np.int64)
        starts = offsets[:-1]
        if widths is None:
            widths = np.diff(offsets)
        flat = lists.values
        columns = []
        for j in range(int(widths.max(initial=0))):
            has = widths > j
            if has.all():
                indices = pa.array(starts + j)
            else:
                indices = pa.array(np.where(has, starts + j, 0), mask=~has)
            columns.append(flat.take(indices))
        return cls(np.asarray(numbers, dtype=np.int64), np.asarray(widths, dtype=np.int64),
                   tuple(columns))


def bools(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, null as False."""
    return array.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def text_series(text: pa.Array, index: Iterable | None = None) -> pd.Series:
    """Arrow text as a pandas ``str`` Series, without copying it."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([text.cast(TEXT)]), dtype=STR),
                     index=index, copy=False)


def arrow_text(raw: pd.Series) -> pa.Array:
    """A Series of text as one Arrow array ("" where missing), without copying a ``str`` one."""
    array = raw.array
    if isinstance(array, pd.arrays.ArrowStringArray):
        out = array.__arrow_array__()
        out = out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out
        return out.cast(TEXT).fill_null("")
    return pa.array(raw.fillna("").astype(str).tolist(), TEXT)


def search(column: pa.Array, pattern: str | re.Pattern) -> np.ndarray:
    """Cells ``pattern`` is found in, with Python's ``re`` (profiles are written for it): each
    distinct text is searched once. Null cells are not searched."""
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    codes = pc.dictionary_encode(column)
    found = np.array([rx.search(text) is not None for text in codes.dictionary.to_pylist()]
                     + [False], dtype=bool)
    indices = codes.indices.fill_null(len(codes.dictionary))
    return found[indices.to_numpy(zero_copy_only=False)]
