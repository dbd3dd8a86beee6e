"""The few SQL spellings that differ between engines.

The SQL builder writes standard SQL (CTEs, CASE, UNION ALL, GROUP BY, LEFT/FULL OUTER JOIN,
window functions on small subsets, COALESCE, NULLIF, LIKE, TRIM, UPPER, ABS, SUM/MIN/COUNT) and
asks a :class:`Dialect` for everything else: how to quote an identifier and name a parameter,
character translation, microsecond timestamps, lists, JSON, "any value of a group" and temporary
tables. A Spark implementation only has to provide these methods.
"""

from __future__ import annotations

from collections.abc import Sequence


class Dialect:
    """Interface. Every method takes SQL expressions (strings) and returns an SQL expression."""

    name = "abstract"

    def quote(self, ident: str) -> str:
        """Quote an identifier the spec has already validated."""
        raise NotImplementedError

    def param(self, name: str) -> str:
        """A named bound parameter."""
        raise NotImplementedError

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS VARCHAR)"

    def trim_blanks(self, expr: str) -> str:
        """Remove leading and trailing spaces and tabs."""
        raise NotImplementedError

    def starts_with_blank(self, expr: str, ideographic: bool = False) -> str:
        """TRUE when the text begins with a space or a tab (or, if ``ideographic``, U+3000)."""
        raise NotImplementedError

    def translate(self, expr: str, from_chars: str, to_chars: str) -> str:
        """Replace each character of ``from_chars`` by the one at the same place in ``to_chars``.

        Only non-ASCII characters are ever translated (full-width forms), so an implementation may
        skip values that are pure ASCII.
        """
        raise NotImplementedError

    def any_value(self, expr: str) -> str:
        """Aggregate: some value of the group. Only used on groups of one row (or where any row
        will do), so ``MIN`` is a correct, portable default; engines with a cheaper spelling
        override it."""
        return f"MIN({expr})"

    def temp_table(self, name: str) -> str:
        """Reference to the session-local temporary table ``name`` (never a permanent one)."""
        raise NotImplementedError

    def temp_table_as(self, name: str, select_sql: str) -> str:
        """Statement (re)creating a session-local temporary table from a query."""
        return f"CREATE OR REPLACE TEMPORARY TABLE {self.temp_table(name)} AS\n{select_sql}"

    def drop_temp_table(self, name: str) -> str:
        return f"DROP TABLE IF EXISTS {self.temp_table(name)}"

    def micros(self, expr: str) -> str:
        """A date or timestamp as integer microseconds since the epoch."""
        raise NotImplementedError

    def duration_text(self, micros_expr: str) -> str:
        """Readable text of a signed duration given in microseconds (e.g. ``2 days 03:00:00``)."""
        raise NotImplementedError

    def list_of(self, expr: str) -> str:
        """A one-element list."""
        raise NotImplementedError

    def list_agg(self, expr: str, order_by: Sequence[str]) -> str:
        """Aggregate values into an ordered list."""
        raise NotImplementedError

    def list_text(self, list_expr: str) -> str:
        """A list as comma-separated text."""
        raise NotImplementedError

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        """A JSON object from (key, value expression) pairs; keys are fixed identifiers."""
        raise NotImplementedError

    def json_array(self, items: Sequence[str]) -> str:
        raise NotImplementedError

    def json_param(self, expr: str) -> str:
        """A bound text parameter read as JSON."""
        raise NotImplementedError

    def concat_ws(self, sep: str, parts: Sequence[str]) -> str:
        """Join the non-NULL parts with ``sep`` (an SQL expression)."""
        return f"concat_ws({sep}, {', '.join(parts)})"

    def rows_from_lists(self, columns: Sequence[tuple[str, str, str]]) -> str:
        """A SELECT yielding rows from parallel list parameters: (alias, parameter, type)."""
        raise NotImplementedError


class DuckDBDialect(Dialect):
    name = "duckdb"

    def quote(self, ident: str) -> str:
        # Parts of a validated [schema.]name; double quotes keep reserved words usable.
        return ".".join('"' + part.replace('"', '""') + '"' for part in ident.split("."))

    def param(self, name: str) -> str:
        return f"${name}"

    def trim_blanks(self, expr: str) -> str:
        # trim() with a character set is slow; most keys have no blank at either end, so only
        # those that do are trimmed (LIKE on a fixed prefix / suffix is cheap).
        blank_at_end = " OR ".join(
            f"{expr} LIKE {pattern}"
            for pattern in ("' %'", "'% '", "chr(9) || '%'", "'%' || chr(9)")
        )
        return f"CASE WHEN {blank_at_end} THEN trim({expr}, chr(32) || chr(9)) ELSE {expr} END"

    def starts_with_blank(self, expr: str, ideographic: bool = False) -> str:
        patterns = ["' %'", "chr(9) || '%'"] + (["chr(12288) || '%'"] if ideographic else [])
        return "(" + " OR ".join(f"{expr} LIKE {p}" for p in patterns) + ")"

    def translate(self, expr: str, from_chars: str, to_chars: str) -> str:
        # translate() is slow; the characters it maps are all non-ASCII, so pure-ASCII values
        # (as many bytes as characters) are left as they are.
        return (
            f"CASE WHEN strlen({expr}) <> length({expr}) "
            f"THEN translate({expr}, {from_chars}, {to_chars}) ELSE {expr} END"
        )

    def any_value(self, expr: str) -> str:
        return f"any_value({expr})"

    def temp_table(self, name: str) -> str:
        return f"temp.{self.quote(name)}"  # DuckDB's catalog of temporary objects

    def micros(self, expr: str) -> str:
        return f"epoch_us(CAST({expr} AS TIMESTAMP))"

    def duration_text(self, micros_expr: str) -> str:
        day = "86400000000"
        return (
            f"CAST(to_days(CAST(({micros_expr}) // {day} AS INTEGER))"
            f" + to_microseconds(({micros_expr}) % {day}) AS VARCHAR)"
        )

    def list_of(self, expr: str) -> str:
        return f"[{expr}]"

    def list_agg(self, expr: str, order_by: Sequence[str]) -> str:
        return f"list({expr} ORDER BY {', '.join(order_by)})"

    def list_text(self, list_expr: str) -> str:
        return f"array_to_string({list_expr}, ', ')"

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        args = ", ".join(f"{_key_literal(k)}, {v}" for k, v in pairs)
        return f"json_object({args})"

    def json_array(self, items: Sequence[str]) -> str:
        return f"json_array({', '.join(items)})"

    def json_param(self, expr: str) -> str:
        return f"CAST({expr} AS JSON)"

    def rows_from_lists(self, columns: Sequence[tuple[str, str, str]]) -> str:
        cols = ", ".join(f"unnest(CAST({p} AS {t}[])) AS {a}" for a, p, t in columns)
        return f"SELECT {cols}"


def _key_literal(key: str) -> str:
    """A JSON key as an SQL literal. Keys are fixed words or validated identifiers, never data."""
    if not key.replace("_", "").isalnum() or not key.isascii():
        raise ValueError(f"JSON key {key!r} is not an identifier")
    return f"'{key}'"


DUCKDB = DuckDBDialect()
