"""A reconciliation on Spark, its findings back in DuckDB.

:class:`SparkDatabase` stands in for :class:`~recon_lib.db.Database` in a reconciliation's
``RunContext``: the reconciliation's own ``reconcile()`` runs unchanged, and

- ``run(<staging query>)`` runs the transpiled query on Spark, a temporary table becoming a
  cached temporary view (``transpile.py``);
- ``run_match(spec, run_id)`` (called by :func:`recon_lib.match.run_match`) runs the spec's
  SQL, built with :class:`~recon_lib.match.dialect.SparkDialect`, on Spark: the units (cached),
  the pending units redone, the statistics and the stored rows; the rows and statistics are
  written to DuckDB's ``match_results`` / ``match_stats`` and stay on Spark as the temporary
  view ``match_results`` for the findings query;
- ``store_findings(ctx, recon, query)`` (called by :func:`recon_lib.recons.base.store_findings`)
  runs the transpiled findings query on Spark and replaces the period's findings of the
  reconciliation in DuckDB's ``discrepancies``, as the DuckDB path does.

Only what the findings, reports and register read comes back: the exceptions (never the
matched records) and one statistics row per state and reason code.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Any

from recon_lib.db import Database
from recon_lib.errors import QueryError, ReconError
from recon_lib.match import sql_builder as sb
from recon_lib.match.dialect import SPARK
from recon_lib.match.result import MatchResult
from recon_lib.match.spec import MatchSpec
from recon_lib.spark.transpile import SparkStatement, named

log = logging.getLogger(__name__)

JSON_COLUMNS = ("left_values", "right_values", "details")
UNIT_STATS = "spark_match_unit_stats"


class NotOnSpark(ReconError):
    """A step that does not run on Spark yet (named in the message)."""


def _value(v: Any) -> Any:
    """A parameter as Spark binds it: times as text (the SQL casts them), never local-zoned."""
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return v


def _kept(frame):
    """A frame computed once and kept, its lineage cut (a staged table, the units): a query
    reading it plans against the stored rows, not against the whole plan that made them."""
    return frame.localCheckpoint(eager=True)


class SparkDatabase:
    """The Spark side of a run; ``duck`` is the DuckDB database the results go back to."""

    engine = "spark"

    def __init__(self, duck: Database, spark):
        self.duck = duck
        self.spark = spark
        self._results: dict[str, Any] = {}   # spec name -> its stored rows (a Spark frame)

    # -- running SQL ----------------------------------------------------------------------------
    def frame(self, statement: SparkStatement | str, params: dict[str, Any] | None = None,
              *, name: str = "<inline>"):
        """A Spark DataFrame of a query; the parameters it names are bound."""
        query = statement.query if isinstance(statement, SparkStatement) else statement
        args = {k: _value(v) for k, v in (params or {}).items() if f":{k}" in query}
        try:
            return self.spark.sql(query, args=args)
        except Exception as exc:  # Spark's analysis errors: name the query
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise QueryError(f"{name} (on Spark)", params, message) from None

    def keep(self, name: str, frame) -> None:
        """Materialise a frame as the temporary view ``name`` (a staged temp table)."""
        _kept(frame).createOrReplaceTempView(name)

    def run(self, name: str, **params: Any) -> None:
        """A staging query of ``sql/``: its temporary table (or view) on Spark."""
        statement = named(name)
        if statement.kind is None:
            raise NotOnSpark(f"query {name}: only staging queries (create ... as) run here")
        frame = self.frame(statement, params, name=name)
        if statement.kind == "view" and not params:
            frame.createOrReplaceTempView(statement.name)   # a view: computed where read
        else:
            self.keep(statement.name, frame)

    # -- the match engine -----------------------------------------------------------------------
    def run_match(self, spec: MatchSpec, run_id: str, *, keep_matched: bool = False):
        if spec.mode != "keyed":
            raise NotOnSpark(
                f"spec {spec.name!r}: unkeyed matching (the bounded group search) does not run "
                "on Spark yet"
            )
        keys = {"run_id": run_id, "spec": spec.name}
        name = f"match {spec.name}"
        units_sql, params = sb.keyed_units_select(spec, SPARK, keep_matched=keep_matched)
        units = _kept(self.frame(units_sql, params, name=name))
        units.createOrReplaceTempView(sb.UNITS_TABLE)
        if units.filter(f"state = '{sb.PENDING}'").limit(1).count():
            pending_sql, params = sb.keyed_pending_select(spec, SPARK, keep_matched=keep_matched)
            redone = self.frame(pending_sql, params, name=f"{name}: pending")
            redone = _kept(redone)   # before the view it reads is replaced
            units = (units.filter(f"state <> '{sb.PENDING}'")
                     .unionByName(redone))
            units.createOrReplaceTempView(sb.UNITS_TABLE)
        stats = self.frame(named(UNIT_STATS), name=UNIT_STATS).toArrow()
        results_sql, params = sb.keyed_results_select(spec, SPARK)
        rows = self.frame(results_sql, {**params, "run_id": run_id}, name=f"{name}: rows")
        frame = rows.selectExpr(*(
            SPARK.json_text(c) + f" AS {c}" if c in JSON_COLUMNS else c
            for c in sb.RESULT_COLUMNS
        )).toArrow()
        self.spark.catalog.dropTempView(sb.UNITS_TABLE)
        # the stored rows (exceptions only: few) back on Spark from the collected copy, so the
        # findings query reads them without the plan that made them (a checkpointed frame read
        # twice in one query fails in Spark 4: "key not found: <column>#<id>")
        self._results[spec.name] = self.spark.createDataFrame(frame)
        self._publish_results()
        with self.duck.transaction():
            self.duck.run("match_create")
            self.duck.run("match_delete_results", **keys)
            self.duck.run("match_delete_stats", **keys)
            self._insert("spark_insert_match_results", frame)
            self._insert("spark_insert_match_stats", stats, **keys,
                         parameters=json.dumps(spec.to_dict()))
        result = MatchResult.from_stats(spec, run_id, stats.to_pylist())
        log.info("match %s run %s on Spark: %s", spec.name, run_id, dict(result.counts))
        return result

    def _publish_results(self) -> None:
        frames = list(self._results.values())
        union = frames[0]
        for other in frames[1:]:
            union = union.unionByName(other)
        union.createOrReplaceTempView(sb.RESULTS_TABLE)

    def _insert(self, query: str, frame, **params: Any) -> None:
        """Rows brought back from Spark into DuckDB through a named query reading ``spark_rows``."""
        self.duck.con.register("spark_rows", frame)
        try:
            self.duck.run(query, **params)
        finally:
            self.duck.con.unregister("spark_rows")

    # -- findings -------------------------------------------------------------------------------
    def store_findings(self, ctx, recon: str, query: str, **params: Any) -> int:
        bound = {"run_id": ctx.run_id, "period": ctx.period.label, "recon": recon, **params}
        found = self.frame(named(query), bound, name=query).toArrow()
        with self.duck.transaction():
            self.duck.run("findings_clear", period=ctx.period.label, recon=recon)
            self._insert("spark_insert_findings", found,
                         run_id=ctx.run_id, period=ctx.period.label, recon=recon)
        n = self.duck.value("findings_count", run_id=ctx.run_id, recon=recon)
        log.info("%s on Spark: %d discrepancies", recon, n)
        return n
