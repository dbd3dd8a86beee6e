"""Column operations the demo runs on frames of a million rows, each in one pass.

pandas 3 keeps text in Arrow arrays; a few of its operations on them still go through Python one
value at a time (``isin`` with many values, a label lookup, a groupby's ``indices``). The injectors
look rows up by key and change a few thousand of them: these helpers do the lookups with one
factorisation and the changes with one assignment per column.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def isin(values, among) -> np.ndarray:
    """``values.isin(among)`` as a boolean array. pandas 3 turns each of ``among`` into an Arrow
    scalar in Python before it compares text, so a text column checked against a million ids
    takes seconds; Arrow's own ``is_in`` takes milliseconds."""
    if isinstance(among, set | frozenset | dict):
        among = list(among)
    dtype = getattr(values, "dtype", None)
    if not (pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)):
        return np.asarray(pd.Series(values).isin(among), dtype=bool)
    try:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
        wanted = pa.array(among, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return np.asarray(pd.Series(values).isin(among), dtype=bool)
    return pc.is_in(text, value_set=wanted).to_numpy(zero_copy_only=False).astype(bool)


def set_by_key(df: pd.DataFrame, key: str, values: dict, column: str) -> None:
    """``df[column] = values[df[key]]`` on the rows whose key is in ``values``, in one pass."""
    if not values:
        return
    mask = isin(df[key], values)
    new = [values[k] for k in df[key].to_numpy()[mask]]
    df.loc[mask, column] = pd.array(new, dtype=df[column].dtype)


class Rows(Mapping):
    """Key -> the positions of its rows in a column, ascending (a groupby's ``indices`` without a
    dict of a million small arrays)."""

    def __init__(self, column: pd.Series):
        codes, uniques = pd.factorize(column)
        self._order = np.argsort(codes, kind="stable")
        self._bounds = np.searchsorted(codes[self._order], np.arange(len(uniques) + 1))
        self._keys = pd.Index(uniques)

    def __getitem__(self, key) -> np.ndarray:
        code = self._keys.get_loc(key)
        return self._order[self._bounds[code]:self._bounds[code + 1]]

    def __contains__(self, key) -> bool:
        return key in self._keys

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def rows_by(df: pd.DataFrame, key: str) -> Rows:
    """Key -> the positions of its rows in ``df``, in order."""
    return Rows(df[key])


def zfill(numbers, width: int) -> pa.Array:
    """Non-negative integers as text, zero-padded to ``width`` (``str.zfill``)."""
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
                        width, "0")


def text_join(*parts) -> pd.api.extensions.ExtensionArray:
    """Text columns and constants joined row by row, as a pandas text column (``str``)."""
    arrays = []
    for part in parts:
        if isinstance(part, str):
            arrays.append(pa.scalar(part, pa.large_string()))
        else:
            if isinstance(part, pd.Series | pd.Index):
                part = part.array
            arr = part if isinstance(part, pa.Array | pa.ChunkedArray) else pa.array(
                part, type=pa.large_string(), from_pandas=True)
            arrays.append(arr.cast(pa.large_string()))
    return pd.array(pc.binary_join_element_wise(*arrays, pa.scalar("", pa.large_string())),
                    dtype="str")


def positions(keys, values) -> np.ndarray:
    """Where each of ``values`` first occurs in ``keys`` (-1: nowhere), like
    ``pd.Index(keys).get_indexer(values)``; Arrow's hash lookup is several times faster on text."""
    try:
        found = pc.index_in(pa.array(values, type=pa.large_string(), from_pandas=True),
                            value_set=pa.array(keys, type=pa.large_string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        index = pd.Index(keys)
        if not index.is_unique:
            first = pd.Series(np.arange(len(index)), index=index)[~index.duplicated()]
            return first.reindex(values).fillna(-1).astype(np.int64).to_numpy()
        return index.get_indexer(values)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
