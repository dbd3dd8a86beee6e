"""Storing a load: frames held compactly until stored, stored with the schema's exact types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa

from recon_lib.load import store


def _refunds() -> pd.DataFrame:
    """A refunds frame as a file's reading leaves it: Python objects in every column."""
    return pd.DataFrame({
        "refund_id": np.array(["R1", None], dtype=object),
        "order_id": np.array(["O1", "O2"], dtype=object),
        "return_id": np.array([None, None], dtype=object),
        "amount": np.array([Decimal("12.50"), None], dtype=object),
        "currency": np.array(["CNY", "CNY"], dtype=object),
        "refunded_at": np.array([datetime(2026, 10, 3, 9, 30), None], dtype=object),
        "channel": np.array(["tmall", "jd"], dtype=object),
        "period": "2026-10", "source_file": "refunds.csv",
        "source_row": np.array([2, 3], dtype=object)})


def test_compact_holds_texts_in_arrow_times_and_row_numbers_in_numpy():
    frame = _refunds()
    held = store.compact(frame, "refunds")
    assert held is not frame  # a new frame: the Python objects are let go with the old one
    assert isinstance(held["order_id"].array, pd.arrays.ArrowStringArray)
    assert held["order_id"].tolist() == ["O1", "O2"] and pd.isna(held["refund_id"].iloc[1])
    assert held["refunded_at"].dtype.kind == "M" and pd.isna(held["refunded_at"].iloc[1])
    assert held["source_row"].dtype == np.int64
    assert held["amount"].dtype == object  # exact Decimals stay as they are
    assert store.compact(held, "refunds") is held  # nothing left to compact


def test_a_compact_frame_stores_the_same_values_as_the_frame_it_came_from():
    frame = _refunds()
    before = store.to_arrow(frame, "refunds")
    after = store.to_arrow(store.compact(frame, "refunds"), "refunds")
    assert after.equals(before)
    assert after.schema.field("refunded_at").type == pa.timestamp("us")
    assert after.column("refund_id").to_pylist() == ["R1", None]
