"""One local SparkSession for every Spark test; all of them skip without the ``spark`` extra
(``pip install -e ".[spark]"``) or without Java."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    pytest.importorskip("sqlglot")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java (17 or later): no java on PATH and no JAVA_HOME")
    from recon_lib.spark.session import spark_session

    return spark_session()
