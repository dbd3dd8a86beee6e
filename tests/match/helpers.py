"""Helpers for the matching tests: build small tables, read results back."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from recon_lib.db import Database
from recon_lib.match import MatchResult, MatchSpec, run_match


def literal(value: Any) -> str:
    """A Python value as an SQL literal (test fixtures only)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, Decimal):
        return f"{value}::DECIMAL(18,2)"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def create(db: Database, name: str, columns: str, rows: list[tuple]) -> None:
    """``CREATE TABLE name AS SELECT * FROM (VALUES ...) t(columns)``."""
    values = ",\n".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    db.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM (VALUES {values}) t({columns})")


def results(db: Database, run_id: str = "r1", spec: str | None = None) -> list[dict]:
    """Result rows as dicts, JSON parsed (decimals exact), ordered."""
    where = "run_id = $run_id" + (" AND spec = $spec" if spec else "")
    params = {"run_id": run_id, **({"spec": spec} if spec else {})}
    cur = db.execute(
        f"SELECT * FROM match_results WHERE {where} "
        "ORDER BY state, key NULLS LAST, left_ids NULLS LAST, right_ids NULLS LAST",
        params,
    )
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        rec = dict(zip(cols, row, strict=True))
        for col in ("left_values", "right_values", "details"):
            if rec[col] is not None:
                rec[col] = json.loads(rec[col], parse_float=Decimal)
        out.append(rec)
    return out


def stats(db: Database, run_id: str, spec: str) -> list[tuple]:
    """``match_stats`` rows (state, reason_code, n, amount) of one run of one spec, ordered."""
    return db.execute(
        "SELECT state, reason_code, n, amount FROM match_stats WHERE run_id = $run_id "
        "AND spec = $spec ORDER BY state, reason_code NULLS FIRST",
        {"run_id": run_id, "spec": spec},
    ).fetchall()


def run_checked(db: Database, spec: MatchSpec, run_id: str = "r1") -> MatchResult:
    """Run ``spec`` as ``run_id`` with ``keep_matched=True`` (every row, for the test to read)
    and as ``<run_id>:default`` the way production runs it; check that the default run stores
    exactly the same rows minus the ``matched`` ones and has the same statistics.

    Returns the default run's result.
    """
    kept = run_match(db, spec, run_id, keep_matched=True)
    result = run_match(db, spec, f"{run_id}:default")
    assert result.counts == kept.counts
    assert result.by_reason == kept.by_reason
    assert result.amount_by_reason == kept.amount_by_reason
    assert stats(db, f"{run_id}:default", spec.name) == stats(db, run_id, spec.name)

    def strip(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "run_id"} for r in rows]

    every = results(db, run_id, spec.name)
    stored = results(db, f"{run_id}:default", spec.name)
    assert strip(stored) == strip([r for r in every if r["state"] != "matched"])
    assert len(every) == kept.total
    return result


def by_key(rows: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for row in rows:
        assert row["key"] not in out, f"key {row['key']} appears in two result rows"
        out[row["key"]] = row
    return out


def one(rows: list[dict], **where: Any) -> dict:
    """The single row whose fields equal ``where`` (fails if none or several)."""
    hits = [r for r in rows if all(r[k] == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one row with {where}, got {len(hits)}: {hits}"
    return hits[0]


def assert_each_id_once(db: Database, rows: list[dict], left: str, left_id: str,
                        right: str, right_id: str) -> None:
    """Every input record appears in exactly one result row, on its own side."""
    for side, table, id_col in (("left_ids", left, left_id), ("right_ids", right, right_id)):
        expected = Counter(
            str(r[0]) for r in db.execute(f"SELECT {id_col} FROM {table}").fetchall()
        )
        seen = Counter(i for r in rows for i in (r[side] or []))
        assert seen == expected, f"{side}: seen {seen} expected {expected}"
