"""Put a generated month straight into the database, without writing files (benchmarks, tests).

The generator keeps money in integer fen (``*_fen``) and weights in grams (``weight_g``); the
conversion to the canonical yuan and kilograms happens here, inside DuckDB, so a month of
millions of rows never becomes Python ``Decimal`` objects.
"""

from __future__ import annotations

from recon_lib import schema
from recon_lib.db import Database
from recon_lib.demo.generator import DemoMonth


def _select_list(tbl: schema.Table, columns: set[str]) -> str:
    """Canonical column expressions over a generator frame. Identifiers only, from the schema."""
    parts = []
    for col in tbl.columns:
        if col.name in columns:
            parts.append(f"CAST({col.name} AS {col.type}) AS {col.name}")
        elif f"{col.name}_fen" in columns:
            parts.append(f"CAST({col.name}_fen / 100 AS {col.type}) AS {col.name}")
        elif col.name == "weight_kg" and "weight_g" in columns:
            parts.append(f"CAST(weight_g / 1000 AS {col.type}) AS {col.name}")
        else:
            parts.append(f"CAST(NULL AS {col.type}) AS {col.name}")
    return ", ".join(parts)


def insert_month(db: Database, month: DemoMonth) -> dict[str, int]:
    """Replace the month's rows of every table the month has; returns rows per table."""
    counts = {}
    with db.transaction():
        for name, frame in month.tables.items():
            tbl = schema.table(name)
            db.con.register("_month_frame", frame)
            try:
                db.execute(schema.clear_period_sql(tbl),
                           {"period": month.period.label}, name=f"clear {name}")
                if tbl.master:
                    db.execute(schema.delete_by_key_sql(tbl, "_month_frame"),
                               name=f"replace {name}")
                db.execute(
                    f"INSERT INTO {name} SELECT {_select_list(tbl, set(frame.columns))}, "
                    "$period, 'generated', CAST(row_number() OVER () AS INTEGER) "
                    "FROM _month_frame", {"period": month.period.label}, name=f"insert {name}")
            finally:
                db.con.unregister("_month_frame")
            counts[name] = len(frame)
    return counts
