"""Run a :class:`MatchSpec` in the database: outcomes into ``match_results`` / ``match_stats``.

No table is pulled into Python. ``match_results`` gets a row for every outcome except ``matched``
(those are only counted, with their amount, in ``match_stats``) unless ``keep_matched``.

Keyed mode runs three statements: classify every unit into the temporary ``match_units`` (narrow
rows, matched units as one tally row; reading each side once, so sides may be views), aggregate
the statistics from it, and write the stored units with their ids, explanations and details.
Keys with an empty part or repeated on a one side are only flagged by the first statement and
settled, when there are any, by one more that reads just their records. Unkeyed mode also reads
the candidates of each "one" record (at most ``max_candidates`` each) for the bounded group
search, writes its rows, counts them and then drops the matched ones.

A re-run with the same ``run_id`` replaces that run's rows of that spec, all or nothing.
"""

from __future__ import annotations

import json
import logging

from recon_lib.db import Database
from recon_lib.errors import InputError, Problem
from recon_lib.match import sql_builder as sb
from recon_lib.match import sql_unkeyed as su
from recon_lib.match.dialect import DUCKDB, Dialect
from recon_lib.match.result import MatchResult
from recon_lib.match.spec import MatchSpec
from recon_lib.match.subset import assign_groups

log = logging.getLogger(__name__)


def run_match(
    db: Database,
    spec: MatchSpec,
    run_id: str,
    *,
    dialect: Dialect = DUCKDB,
    keep_matched: bool = False,
) -> MatchResult:
    """Match the two sides of ``spec``, store the outcomes, return the counts.

    Every record is counted in ``match_stats``; ``match_results`` holds a row for every outcome
    except ``matched``. ``keep_matched=True`` (for debugging or small runs) stores the matched
    rows too, at a cost on large inputs.
    """
    if not isinstance(spec, MatchSpec):
        raise TypeError(f"spec must be a MatchSpec, got {type(spec).__name__}")
    if not isinstance(run_id, str) or not run_id.strip():
        raise ValueError(f"run_id must be a non-empty str, got {run_id!r}")
    on_other_engine = getattr(db, "run_match", None)   # e.g. recon_lib.spark.SparkDatabase
    if on_other_engine is not None:
        return on_other_engine(spec, run_id, keep_matched=keep_matched)
    db.run("match_create")
    check_relations(db, spec, dialect)
    keys = {"run_id": run_id, "spec": spec.name}
    parameters = json.dumps(spec.to_dict())
    if spec.mode == "keyed":
        units_sql, units_params = sb.keyed_units_sql(spec, dialect, keep_matched=keep_matched)
        results_sql, results_params = sb.keyed_results_sql(spec, dialect)
        with db.transaction():
            db.run("match_delete_results", **keys)
            db.run("match_delete_stats", **keys)
            db.execute(units_sql, units_params, name=f"match {spec.name}")
            _settle_pending(db, spec, dialect, keep_matched)
            db.run("match_insert_unit_stats", **keys, parameters=parameters)
            db.execute(
                results_sql, {**results_params, "run_id": run_id}, name=f"match {spec.name}: rows"
            )
            db.execute(sb.drop_units_sql(dialect), name=f"match {spec.name}: drop units")
    else:
        sql, params = _unkeyed_insert(db, spec, dialect)
        with db.transaction():
            db.run("match_delete_results", **keys)
            db.run("match_delete_stats", **keys)
            db.execute(sql, {**params, "run_id": run_id}, name=f"match {spec.name}")
            db.run("match_insert_stats", **keys, parameters=parameters)
            if not keep_matched:
                db.run("match_delete_matched", **keys)
    stats = db.query("match_read_stats", **keys)
    result = MatchResult.from_stats(spec, run_id, stats.to_dict("records"))
    log.info("match %s run %s: %s", spec.name, run_id, dict(result.counts))
    return result


def _settle_pending(db: Database, spec: MatchSpec, dialect: Dialect, keep_matched: bool) -> None:
    """Redo the units the quick pass left pending (empty key parts, repeated keys on a one
    side) with the full pass over the records of those keys; nothing to do when there are none
    (outbound usually has a few: movements that name no parcel)."""
    name = f"match {spec.name}: pending"
    n = db.scalar(sb.count_pending_sql(dialect), name=name)
    if not n:
        return
    log.debug("match %s: %d pending units", spec.name, n)
    sql, params = sb.keyed_pending_sql(spec, dialect, keep_matched=keep_matched)
    db.execute(sql, params, name=name)
    db.execute(sb.delete_pending_sql(dialect), name=name)


def check_relations(db: Database, spec: MatchSpec, dialect: Dialect = DUCKDB) -> None:
    """Every column a side declares must exist in its relation; report all missing at once."""
    problems = []
    for side_name in ("left", "right"):
        side = getattr(spec, side_name)
        cur = db.execute(
            f"SELECT * FROM {dialect.quote(side.relation)} LIMIT 0",
            name=f"columns of {side.relation}",
        )
        present = {d[0].lower() for d in cur.description}
        for col in side.columns:
            if col.lower() not in present:
                problems.append(
                    Problem(side.relation, f"{side_name} side: no column {col!r}", column=col)
                )
    if problems:
        raise InputError(f"spec {spec.name!r} names columns its relations lack", problems)


def _unkeyed_insert(db: Database, spec: MatchSpec, dialect: Dialect):
    for side_name in ("left", "right"):
        side = getattr(spec, side_name)
        n, n_ids = db.execute(
            su.id_check_sql(side_name, spec, dialect), name=f"ids of {side.relation}"
        ).fetchone()
        if n != n_ids:
            raise InputError(
                f"spec {spec.name!r}: unkeyed matching needs unique, non-empty ids; "
                f"{side.relation}.{side.id} has {n} rows but {n_ids} distinct ids"
            )
    sql, params = su.unkeyed_candidates_sql(spec, dialect)
    rows = db.execute(sql, params, name=f"match {spec.name}: candidates").fetchall()
    _, many = su.roles(spec)
    found = assign_groups(
        rows,
        spec.tolerance_for(spec.compare[0]),
        spec.group_limit,
        group_is_right=many == "right",
        larger_groups_allowed=spec.cardinality != "one_to_one",
    )
    log.debug("match %s: %d candidate rows, %d open", spec.name, len(rows), len(found.open))
    return su.unkeyed_insert_sql(spec, found.pairs, found.open, dialect)
