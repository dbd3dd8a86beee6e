"""The canonical tables as Parquet, partitioned by period, registered in Spark.

DuckDB writes each table (``COPY ... TO ... (FORMAT parquet, PARTITION_BY (period))``) under
``<folder>/<table>/period=<label>/``; Spark reads the folder back as a temporary view of the
same name. Reference tables are written whole (their rows carry the period that loaded them).
A table without rows still gets a view (an empty one, typed from the schema), so a query reading
it runs, and finds nothing, as on DuckDB.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from recon_lib import schema
from recon_lib.db import Database

PARTITION = "period"


def _copy_sql(table: schema.Table, target: Path) -> str:
    # identifiers from the schema, the path from the caller (quoted as a literal)
    path = str(target).replace("'", "''")
    return (
        f"COPY (SELECT * FROM {table.name}) TO '{path}' "
        f"(FORMAT parquet, PARTITION_BY ({PARTITION}), OVERWRITE_OR_IGNORE)"
    )


def export_tables(db: Database, folder: Path, tables: Iterable[str] | None = None) -> dict[str, int]:
    """Write the canonical tables (default: all) to ``folder`` as Parquet; rows per table."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in tables if tables is not None else schema.TABLES:
        table = schema.table(name)
        target = folder / table.name
        if target.exists():
            shutil.rmtree(target)
        n = db.scalar(f"SELECT COUNT(*) FROM {table.name}", name=f"count {table.name}")
        if n:
            db.execute(_copy_sql(table, target), name=f"export {table.name}")
        counts[table.name] = n
    return counts


def spark_type(duckdb_type: str) -> str:
    """A schema column type in Spark SQL (VARCHAR has no length in DuckDB; TIMESTAMP is naive)."""
    t = duckdb_type.upper()
    return {"VARCHAR": "STRING", "TIMESTAMP": "TIMESTAMP_NTZ", "INTEGER": "INT"}.get(t, t)


def register_tables(spark, folder: Path, tables: Iterable[str] | None = None) -> None:
    """Temporary views over the Parquet folders, named as the canonical tables."""
    folder = Path(folder)
    for name in tables if tables is not None else schema.TABLES:
        table = schema.table(name)
        columns = ", ".join(
            f"`{c.name}` {spark_type(c.type)}" for c in schema.all_columns(table)
        )
        path = folder / table.name
        if path.exists():
            frame = spark.read.option("basePath", str(path)).parquet(str(path))
            # the schema's column order and types, whatever order the partitioning left
            frame = frame.selectExpr(
                *(f"CAST(`{c.name}` AS {spark_type(c.type)}) AS `{c.name}`"
                  for c in schema.all_columns(table))
            )
        else:
            frame = spark.createDataFrame([], columns)
        frame.createOrReplaceTempView(table.name)
