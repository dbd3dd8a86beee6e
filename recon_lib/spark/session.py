"""The SparkSession: local mode by default, a cluster or Spark Connect when asked.

``local[2]`` with few shuffle partitions and no UI suits tests and one machine. ``master`` (or
``RECON_SPARK_MASTER``) names a cluster (``spark://...``, ``yarn``); ``SPARK_REMOTE``
(``sc://host:15002``) uses Spark Connect. The session's time zone is UTC: the canonical
timestamps are naive (DuckDB ``TIMESTAMP``), so no zone may shift them.
"""

from __future__ import annotations

import logging
import os

from recon_lib.errors import ReconError

log = logging.getLogger(__name__)

LOCAL = "local[2]"
CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",  # period stays text
    "spark.sql.ansi.enabled": "true",   # errors rather than silent NULLs, as DuckDB
    "spark.driver.memory": "2g",
}


class SparkUnavailable(ReconError):
    """pyspark (the ``spark`` extra) or Java is missing."""


def spark_session(master: str | None = None, app_name: str = "recon"):
    """The process's SparkSession (created once; later calls return the same one)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(
            "Spark needs the optional extra: pip install -e '.[spark]' (and Java 17)"
        ) from None
    builder = SparkSession.builder.appName(app_name)
    remote = os.environ.get("SPARK_REMOTE")
    if remote and master is None:
        builder = builder.remote(remote)
    else:
        builder = builder.master(master or os.environ.get("RECON_SPARK_MASTER") or LOCAL)
        for key, value in CONFIG.items():
            builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing, cluster unreachable: one clear line
        raise SparkUnavailable(f"cannot start Spark: {str(exc).strip().splitlines()[0]}") from None
    if not remote:
        session.sparkContext.setLogLevel("ERROR")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session
