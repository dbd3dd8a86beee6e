"""One SQL source of truth: the DuckDB queries of ``recon_lib/sql`` spelled for Spark.

sqlglot (``read="duckdb", write="spark"``) does almost all of it: ``$name`` parameters become
``:name``, ``list[1]`` becomes ``list[0]``, ``unnest`` becomes ``explode``, ``strftime`` becomes
``date_format``, ``{'k': v}`` becomes a struct. The few things it cannot spell are fixed here,
each on the parsed query (never on its text):

- ``create or replace temp table|view <name> as <query>``: the statement is split into its kind,
  name and query; the runner materialises the query as a cached temporary view;
- the macro ``id_cuts(id)`` (``sql/create_results.sql``) gets its Spark spelling (``transform``
  over ``filter`` of the positions of ``|``);
- ``list(x order by y)`` keeps its order (Spark's ``collect_list`` has none): the values are
  collected with their sort keys as structs, sorted and unwrapped;
- ``to_json(...)`` writes NULL fields and DuckDB's timestamp text (Spark drops NULL fields).

A query using another macro, or an ordered list with a descending or NULLS FIRST order, is
refused with a :class:`TranspileError` naming the query, rather than run with other semantics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

from recon_lib.db import sql_text
from recon_lib.errors import ReconError

TO_JSON_OPTIONS = (
    "map('ignoreNullFields', 'false', 'timestampFormat', 'yyyy-MM-dd HH:mm:ss', "
    "'timestampNTZFormat', 'yyyy-MM-dd HH:mm:ss')"
)
ID_CUTS = (
    "transform(filter(sequence(1, greatest(length({id}), 1)), c -> substr({id}, c, 1) = '|'), "
    "c -> named_struct('head', left({id}, c - 1), 'tail', substr({id}, c + 1)))"
)
MACROS = {"id_cuts"}
"""Macros of ``sql/create_*.sql`` given a Spark spelling here; any other is refused."""


class TranspileError(ReconError):
    """A query that has no faithful Spark spelling (yet)."""


@dataclass(frozen=True)
class SparkStatement:
    """A query in Spark SQL; ``kind`` and ``name`` when it (re)creates a temporary table/view."""

    query: str
    kind: str | None = None   # "table" or "view"
    name: str | None = None


def _spark(node: exp.Expression) -> str:
    return node.sql(dialect="spark")


def _parse_spark(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="spark")


def _id_cuts(node: exp.Anonymous) -> exp.Expression:
    (arg,) = node.expressions
    return _parse_spark(ID_CUTS.format(id=f"({_spark(arg)})"))


def _ordered_list(node: exp.ArrayAgg, name: str) -> exp.Expression:
    order = node.this
    keys = []
    for i, ordered in enumerate(order.expressions):
        if ordered.args.get("desc") or ordered.args.get("nulls_first"):
            raise TranspileError(
                f"query {name}: list(... order by {_spark(ordered)}) has no Spark spelling yet "
                "(only ascending, NULLS LAST orders)"
            )
        keys.append(f"'k{i}', {_spark(ordered.this)}")
    value = _spark(order.this)
    return _parse_spark(
        f"transform(array_sort(collect_list(named_struct({', '.join(keys)}, 'v', {value}))), "
        "e -> e.v)"
    )


def _fix(node: exp.Expression, name: str, macros: set[str]) -> exp.Expression:
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        return _ordered_list(node, name)
    if isinstance(node, exp.Anonymous):
        fn = str(node.this).lower()
        if fn == "id_cuts":
            return _id_cuts(node)
        if fn == "to_json" and len(node.expressions) == 1:
            return exp.Anonymous(
                this="to_json", expressions=[node.expressions[0], _parse_spark(TO_JSON_OPTIONS)]
            )
        if fn in macros:
            raise TranspileError(f"query {name}: macro {fn}() has no Spark spelling yet")
    return node


@cache
def _duckdb_macros() -> frozenset[str]:
    """Names of the macros the DuckDB database defines (refused unless spelled here)."""
    pattern = re.compile(r"create\s+or\s+replace\s+macro\s+(\w+)", re.IGNORECASE)
    files = ("create_macros_shared", "create_macros_pricing", "create_results")
    return frozenset(m.lower() for f in files for m in pattern.findall(sql_text(f)))


def to_spark(sql: str, name: str = "<inline>") -> SparkStatement:
    """One DuckDB statement in Spark SQL (see the module's list of fixes)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise TranspileError(f"query {name}: sqlglot cannot read it: {exc}") from None
    kind = target = None
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind", "")).lower()
        if kind not in ("table", "view") or not isinstance(tree.expression, exp.Query):
            raise TranspileError(f"query {name}: only CREATE TABLE|VIEW ... AS <query> is supported")
        target = tree.this.name
        tree = tree.expression
    macros = set(_duckdb_macros()) - MACROS
    tree = tree.transform(lambda node: _fix(node, name, macros))
    return SparkStatement(_spark(tree), kind, target)


def named(name: str) -> SparkStatement:
    """The named query ``sql/<name>.sql`` in Spark SQL."""
    return to_spark(sql_text(name), name)
