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


class SparkDialect(Dialect):
    """Spark SQL (3.4+ named parameters; 4.0+ for VARIANT, which nests JSON objects).

    JSON objects are built as VARIANT values (``parse_json(to_json(named_struct(...)))``) so an
    object nested in another stays an object, as DuckDB's JSON type does; the Spark runner turns
    the stored JSON columns back into text (``json_text``). Timestamps in JSON are written as
    DuckDB writes them (``2026-10-01 12:00:00``), NULL fields kept.
    """

    name = "spark"
    JSON_OPTIONS = (
        "map('ignoreNullFields', 'false', 'timestampFormat', 'yyyy-MM-dd HH:mm:ss', "
        "'timestampNTZFormat', 'yyyy-MM-dd HH:mm:ss')"
    )

    def quote(self, ident: str) -> str:
        return ".".join("`" + part.replace("`", "``") + "`" for part in ident.split("."))

    def param(self, name: str) -> str:
        return f":{name}"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS STRING)"

    def trim_blanks(self, expr: str) -> str:
        return f"btrim({expr}, concat(' ', chr(9)))"

    def starts_with_blank(self, expr: str, ideographic: bool = False) -> str:
        patterns = ["' %'", "concat(chr(9), '%')"] + (["'\u3000%'"] if ideographic else [])
        return "(" + " OR ".join(f"{expr} LIKE {p}" for p in patterns) + ")"

    def translate(self, expr: str, from_chars: str, to_chars: str) -> str:
        return (
            f"CASE WHEN octet_length({expr}) <> length({expr}) "
            f"THEN translate({expr}, {from_chars}, {to_chars}) ELSE {expr} END"
        )

    def any_value(self, expr: str) -> str:
        return f"any_value({expr}, true)"  # ignore NULLs, as DuckDB's any_value does

    def temp_table(self, name: str) -> str:
        return self.quote(name)  # temporary views live in the session

    def temp_table_as(self, name: str, select_sql: str) -> str:
        return f"CREATE OR REPLACE TEMPORARY VIEW {self.temp_table(name)} AS\n{select_sql}"

    def drop_temp_table(self, name: str) -> str:
        return f"DROP VIEW IF EXISTS {self.temp_table(name)}"

    def micros(self, expr: str) -> str:
        return f"unix_micros(CAST({expr} AS TIMESTAMP))"

    def duration_text(self, micros_expr: str) -> str:
        # DuckDB's interval text: '2 days 03:00:00', '1 day', '-1 day -06:00:00', '00:00:00.5'
        n, day = f"({micros_expr})", "86400000000"
        days, rest = f"({n} div {day})", f"({n} % {day})"
        a = f"abs({rest})"
        clock = (
            f"concat(CASE WHEN {rest} < 0 THEN '-' ELSE '' END, "
            f"lpad(CAST({a} div 3600000000 AS STRING), 2, '0'), ':', "
            f"lpad(CAST(({a} div 60000000) % 60 AS STRING), 2, '0'), ':', "
            f"lpad(CAST(({a} div 1000000) % 60 AS STRING), 2, '0'), "
            f"CASE WHEN {a} % 1000000 <> 0 THEN concat('.', regexp_replace("
            f"lpad(CAST({a} % 1000000 AS STRING), 6, '0'), '0+$', '')) ELSE '' END)"
        )
        return (
            f"CASE WHEN {n} IS NOT NULL THEN concat_ws(' ', "
            f"CASE WHEN {days} <> 0 THEN concat(CAST({days} AS STRING), "
            f"CASE WHEN abs({days}) = 1 THEN ' day' ELSE ' days' END) END, "
            f"CASE WHEN {rest} <> 0 OR {days} = 0 THEN {clock} END) END"
        )

    def list_of(self, expr: str) -> str:
        return f"array({expr})"

    def list_agg(self, expr: str, order_by: Sequence[str]) -> str:
        # collect_list keeps no order and drops NULLs: collect (keys..., value) structs, sort
        # them (NULL sort keys first: only ids and sequence numbers, never NULL here)
        keys = [o.removesuffix(" NULLS LAST").strip() for o in order_by]
        fields = ", ".join(f"'k{i}', {k}" for i, k in enumerate(keys))
        return f"transform(array_sort(collect_list(named_struct({fields}, 'v', {expr}))), e -> e.v)"

    def list_text(self, list_expr: str) -> str:
        return f"array_join({list_expr}, ', ')"

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        args = ", ".join(f"{_key_literal(k)}, {v}" for k, v in pairs)
        return f"parse_json(to_json(named_struct({args}), {self.JSON_OPTIONS}))"

    def json_array(self, items: Sequence[str]) -> str:
        return f"parse_json(to_json(array({', '.join(items)}), {self.JSON_OPTIONS}))"

    def json_param(self, expr: str) -> str:
        return f"parse_json({expr})"

    def json_text(self, expr: str) -> str:
        """A JSON value built by this dialect as text (for storing it)."""
        return f"to_json({expr})"

    def rows_from_lists(self, columns: Sequence[tuple[str, str, str]]) -> str:
        # unkeyed matching (the bounded group search) does not run on Spark yet
        raise NotImplementedError("unkeyed matching is not supported on Spark yet")


SPARK = SparkDialect()
