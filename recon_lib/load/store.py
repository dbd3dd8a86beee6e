"""Storing a load: canonical frames into DuckDB as Arrow tables with the schema's exact types."""

from __future__ import annotations

import logging

import pandas as pd
import pyarrow as pa

from recon_lib import schema
from recon_lib.db import Database
from recon_lib.load import values

log = logging.getLogger(__name__)


def _arrow_type(type_: str) -> pa.DataType:
    k = values.kind(type_)
    if k == "decimal":
        return pa.decimal128(*values.decimal_shape(type_))
    if k == "int":
        return pa.int32() if type_.strip().upper() == "INTEGER" else pa.int64()
    return {"text": pa.string(), "timestamp": pa.timestamp("us"), "date": pa.date32(),
            "bool": pa.bool_()}[k]


def to_arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """The frame as an Arrow table with the schema's exact types (DECIMAL stays exact)."""
    columns = schema.all_columns(schema.table(table))
    return pa.table({c.name: _arrow_column(frame[c.name], _arrow_type(c.type),
                                           c.name in _FEW_VALUES) for c in columns})


_FEW_VALUES = {c.name for c in schema.LINEAGE} - {"source_row"}
"""Lineage columns of one value per file (period, source_file)."""


def _arrow_column(column: pd.Series, type_: pa.DataType, few: bool = False) -> pa.Array:
    if type_ == pa.string() and isinstance(column.array, pd.arrays.ArrowStringArray):
        return pa.array(column, type=type_, from_pandas=True)  # already Arrow (source_file)
    if column.dtype.kind in "iuM":  # numpy ints and times (NaT is null)
        return pa.array(column.to_numpy(), type=type_, from_pandas=True)
    if type_ != pa.string() or column.dtype != object:
        return pa.array(column.tolist(), type=type_)
    if few:  # each distinct text converted once
        codes, distinct = pd.factorize(column.to_numpy())
        return pa.array(distinct, type=type_).take(pa.array(codes, mask=codes < 0))
    return pa.array(column.to_numpy(), type=type_, from_pandas=True)  # str and None


def compact(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The frame with its texts as Arrow strings, its times as datetime64 and its row numbers
    as int64. A month's files are all read and checked before any is stored, and a million
    orders' ids, texts and times as Python objects take gigabytes, in Arrow and numpy a
    fraction of that. A new frame: converting a column in place would leave its Python objects
    alive in the block the other columns still share. Missing values stay missing (NaN, NaT)."""
    kinds = {c.name: values.kind(c.type) for c in schema.all_columns(schema.table(table))}
    converted = {name: _compact_column(frame[name], kinds.get(name))
                 for name in frame.columns if frame[name].dtype == object}
    converted = {name: column for name, column in converted.items() if column is not None}
    if not converted:
        return frame
    return pd.DataFrame({name: converted.get(name, frame[name]) for name in frame.columns},
                        index=frame.index)


def _compact_column(column: pd.Series, kind: str | None) -> pd.Series | None:
    if kind == "text":
        return column.astype("str")
    if kind == "timestamp":
        return column.astype("datetime64[us]")
    if column.name == "source_row" and column.notna().all():
        return column.astype("int64")
    return None


def insert(db: Database, table: str, frame: pd.DataFrame) -> None:
    view = f"_recon_load_{table}"
    db.con.register(view, to_arrow(frame, table))
    try:
        tbl = schema.table(table)
        if tbl.key and not tbl.master:
            # a record two periods' files both hold (an order placed on the 30th, paid on the
            # 1st) is stored once: under the period loaded last, never twice
            stored = db.execute(schema.stored_by_key_sql(tbl, view),
                                name=f"load: {table} stored before").fetchall()
            if stored:
                log.warning("%s: %s record(s) of this load were stored for %s; they now belong "
                            "to the period loaded last", table, f"{sum(n for _, n in stored):,}",
                            ", ".join(label for label, _ in stored))
        if tbl.key:  # one row per key: reference data whichever period loaded it last, too
            db.execute(schema.delete_by_key_sql(tbl, view), name=f"load: replace {table}")
        # Identifiers come from the schema only; the rows arrive as a registered Arrow table.
        db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}", name=f"load: insert {table}")
    finally:
        db.con.unregister(view)
