"""Running reconciliations on Apache Spark (optional: ``pip install -e .[spark]``).

``session`` opens the SparkSession, ``tables`` writes the canonical tables as Parquet and
registers them, ``transpile`` turns the DuckDB queries of ``recon_lib/sql`` into Spark SQL, and
``engine`` runs a reconciliation's staging queries, match spec and findings query on Spark and
brings the results back into DuckDB (see ``docs/scale.md``). Nothing here is imported by the
DuckDB path: without pyspark and sqlglot the rest of the package works as before.
"""
