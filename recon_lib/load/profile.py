"""Profiles: YAML files that tell the loader how to recognise and read one export layout.

A profile maps the headers of one layout (an order export, a courier's bill, ...) to the columns
of one canonical table. Adding a layout means writing a YAML file, no code; ``docs/profiles.md``
describes every key. Everything is validated when the profiles are loaded, and every problem of
every profile is reported at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from recon_lib import config, schema
from recon_lib.errors import InputError, Problem
from recon_lib.load import values
from recon_lib.yaml_keys import unique_keys

log = logging.getLogger(__name__)

FILE_TYPES = ("csv", "txt", "xlsx", "xls")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "gbk", "gb18030")
TEXT_TYPES = ("csv", "txt")
EXCEL_TYPES = ("xlsx", "xls")
DEFAULT_HEADER_SEARCH_ROWS = 40

_TOP_KEYS = {
    "name", "table", "description", "file_types", "encoding", "delimiter", "sheet", "signature",
    "header_search_rows", "drop_rows", "stop_at_blank_row", "stop_at_row", "constants", "columns",
    "unpivot", "extra_lines", "totals", "private", "group_by", "shipment_columns",
}
_REQUIRED_KEYS = ("name", "table", "file_types", "signature", "columns")
_TEXT_KEYS = {"from", "join", "join_with", "extract", "unmatched", "empty_if", "fill_down"}
"""Keys that shape a cell's text, shared by column rules and their sub-rules."""
_RULE_KEYS = {"map", "map_default", "formats", "optional", "negate", "default", "above",
              "patterns", "upper", "decimal", "sign", "minus", "plus", "number_repeats",
              "timezone", "province_from"} | _TEXT_KEYS
_SUB_KEYS = {
    "sign": _TEXT_KEYS | {"map", "patterns", "map_default", "optional"},
    "term": _TEXT_KEYS | {"optional", "decimal"},
    "type": _TEXT_KEYS | {"map", "patterns", "map_default", "default"},
}
"""Keys of the sub-rules: ``sign``, ``minus``/``plus`` (terms) and an unpivot column's type."""
_EXTRA_KEYS = {"columns", "constants", "suffix"}
SIGNS = ("+", "-", "skip")
"""What a ``sign`` rule maps a cell to: positive, negative, or not loaded at all."""
UNMATCHED = ("error", "empty")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_UNPIVOT_KEYS = {"value_column", "type_column", "columns", "skip_zero"}
_TOTALS_KEYS = {"row", "sheet", "label", "check", "optional"}
TOTALS_ROWS = ("above", "below")
MEASURES = ("sum", "count", "count_distinct")
TOTAL_AT = ("header", "unnamed")
"""Where a totals row holds a check's total: under its header, or in a column without one."""
PROVINCE_FROM = ("city",)
"""What a ``province_from`` cell names: a city (or a province, or a province and a city)."""
_GROUP_KEYS = {"key", "sum"}


@dataclass(frozen=True)
class ColumnRule:
    """How to read one canonical column from a file's header. Values are canonical text.

    A cell's text goes through these steps, in this order: ``from`` (or ``above``), ``fill_down``,
    ``empty_if``, ``join``, ``extract``, ``upper``, ``map``/``patterns``, ``default``; then it is
    parsed as the column's type (``formats``, ``timezone``, ``decimal``), and a number gets
    ``minus``, ``plus``, ``sign`` and ``negate``. ``number_repeats`` runs on the finished lines.
    """

    from_: tuple[str, ...]
    """Header text, or alternatives: the first one present in the file wins."""
    map: dict[str, str] | None = None
    map_default: str | None = None
    formats: tuple[str, ...] = ()
    optional: bool = False
    negate: bool = False
    default: str | None = None
    above: str | None = None
    """A label in the rows above the header (``卡号``): its value is the column's for every row."""
    join: tuple[str, ...] = ()
    """More headers whose cells are appended to the ``from`` cell (empty cells left out)."""
    join_with: str = " "
    extract: str | None = None
    """Regular expression searched in the cell: its group (or the whole match) is the value."""
    unmatched: str = "error"
    """A non-empty cell ``extract`` does not match: ``error``, or ``empty`` (no value)."""
    empty_if: str | None = None
    """Regular expression: cells it is found in are empty (masked values, ``/`` placeholders)."""
    fill_down: bool = False
    """An empty cell takes the value of the nearest non-empty cell above it, in any row below
    the header (also rows that are not loaded, such as a summary row)."""
    patterns: tuple[tuple[str, str], ...] = ()
    """(regular expression, canonical value) pairs: the first one found in the cell wins."""
    upper: bool = False
    decimal: str = "."
    sign: ColumnRule | None = None
    """Sub-rule mapping another cell to ``+``, ``-`` or ``skip`` (the row is not loaded)."""
    minus: ColumnRule | None = None
    """Sub-rule: a number subtracted from the value (empty counts as 0)."""
    plus: ColumnRule | None = None
    """Sub-rule: a number added to the value (empty counts as 0)."""
    number_repeats: bool = False
    """The 2nd, 3rd... line of a file with the same value get ``#2``, ``#3``... appended."""
    timezone: str | None = None
    """IANA zone of times written without one (``UTC`` for Stripe's ``created_utc``)."""
    province_from: str | None = None
    """``city``: the cell names a place (成都市, 安徽省安庆市, 广东); the value is its province's
    short name (四川, 安徽, 广东), from ``recon_lib/data/cities.csv``."""

    def headers(self) -> tuple[str, ...]:
        """Every header this rule and its sub-rules read."""
        out = (*self.from_, *self.join)
        for sub in (self.sign, self.minus, self.plus):
            if sub is not None:
                out += sub.headers()
        return out


@dataclass(frozen=True)
class ExtraLine:
    """One more line made from each data row: the row's line with some columns read otherwise.

    The line is made when the number columns of ``columns`` hold a value other than zero (a
    fee column, the refund in ``131.77(已退款89.84)``)."""

    columns: dict[str, ColumnRule]
    constants: dict[str, str] = field(default_factory=dict)
    suffix: dict[str, str] = field(default_factory=dict)
    """Text column -> text appended to it, so the extra line keeps a key of its own."""


@dataclass(frozen=True)
class Unpivot:
    """Wide fee columns turned into rows: one line per non-empty (non-zero) cell of a data row."""

    value_column: str
    """Canonical column that receives each cell's value, e.g. payable."""
    type_column: str
    """Canonical column that receives the fee type the cell's header stands for, e.g. fee_type."""
    columns: dict[str, str | ColumnRule]
    """Header -> canonical value of ``type_column``, or a rule reading it from the row, in the
    order lines are produced."""
    skip_zero: bool = True
    """Zero cells make no line (empty cells never do)."""
    optional: frozenset[str] = frozenset()
    """Headers that may be missing from the file (some exports leave a fee family out)."""


@dataclass(frozen=True)
class TotalCheck:
    """One total the file states about itself, and what it must equal."""

    cell: str
    """Header of the total's column (totals row) or the label next to it (summary sheet)."""
    measure: str
    """sum, count (lines with a value) or count_distinct (distinct values)."""
    column: str
    """Canonical column measured over the lines read from the file."""
    where: dict[str, str] = field(default_factory=dict)
    """Only lines whose canonical columns hold these canonical values."""
    cells: tuple[str, ...] = ()
    """Headers or labels to look for, the first present wins (``from``); empty: ``cell``."""
    at: str = "header"
    """Totals row only: ``header`` (the cell under ``cell``) or ``unnamed`` (the one number of
    the totals row in a column the header row leaves empty, other than a labelled value)."""

    @property
    def names(self) -> tuple[str, ...]:
        """Where the total may be: ``from``'s headers or labels, else the key."""
        return self.cells or (self.cell,)

    def describe(self) -> str:
        what = {"sum": f"sum of {self.column}", "count": f"lines with a {self.column}",
                "count_distinct": f"distinct {self.column}"}[self.measure]
        if self.where:
            what += " where " + " and ".join(f"{k} = {v}" for k, v in self.where.items())
        return what


@dataclass(frozen=True)
class Totals:
    """Where a file carries its own totals: a totals row, or a summary sheet of labelled cells."""

    checks: tuple[TotalCheck, ...]
    row: str | None = None
    """``above`` (between the top and the header) or ``below`` (after the header); None for a sheet."""
    label: str | None = None
    """Regular expression a cell of the totals row matches (totals row only)."""
    sheet: str | None = None
    """Name of the summary sheet (workbooks only); None for a totals row."""
    optional: bool = False
    """A file without this totals row or sheet is accepted (nothing to check)."""
    label_header: str | None = None
    """When set, only the cell under this header is searched for ``label``."""


@dataclass(frozen=True)
class GroupBy:
    """One line per value of ``key``: a dispatch list with one row per goods line becomes one
    parcel per waybill. ``sum`` columns are added up; every other column must agree across the
    group's rows (empty cells aside) and takes their value."""

    key: str
    sum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """One export layout: how to recognise it and how to read it into a canonical table."""

    name: str
    table: str
    description: str
    file_types: tuple[str, ...]
    encoding: str
    delimiter: str
    sheet: str | None
    signature: tuple[str, ...]
    header_search_rows: int
    drop_rows: dict[str, str]
    stop_at_blank_row: bool
    constants: dict[str, str]
    columns: dict[str, ColumnRule]
    path: Path | None = None
    """The YAML file the profile came from (None when built in code)."""
    same_as: dict[str, str] = field(default_factory=dict)
    """Canonical column -> the canonical column it copies (``amount: {same_as: payable}``).
    These columns are not in ``columns``, whose rules all read a header."""
    unpivot: Unpivot | None = None
    totals: tuple[Totals, ...] = ()
    private: tuple[str, ...] = ()
    """Headers of personal data: never read, and never quoted in a problem."""
    stop_at_row: dict[str, str] = field(default_factory=dict)
    """Header -> regex: the data ends before the first row whose cell there matches."""
    extra_lines: tuple[ExtraLine, ...] = ()
    group_by: GroupBy | None = None
    from_bill: dict[str, str] = field(default_factory=dict)
    """Canonical column -> the canonical column holding the waybill (``carrier: {from_bill:
    tracking_no}``): the value the courier bills of the same load give for that waybill (the
    bill's carrier, or a bill profile's ``shipment_columns``); a carrier no bill gives comes
    from the waybill's format (``recon_lib.load.waybills``)."""
    shipment_columns: dict[str, ColumnRule] = field(default_factory=dict)
    """Bills only: columns of ``shipments`` the bill gives for each of its waybills (SF's
    产品类型 as the parcel's ``service``), read like ``columns`` and not stored with the bill;
    a shipments profile takes them with ``from_bill``."""


# -- YAML -------------------------------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """YAML 1.2-like scalars: ``Y``/``N``/``yes``/``no``/``on``/``off`` and ``007`` stay text.

    Profiles are full of header and code values such as ``Y``, ``NO`` or ``0571``; YAML 1.1
    would silently turn them into booleans and octal numbers. Dates stay text too.
    """

    def construct_mapping(self, node, deep=False):
        unique_keys(self, node)  # PyYAML itself would keep a repeated key's last value
        return super().construct_mapping(node, deep)


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """:class:`_Loader`'s rules on libyaml's parser (a tenth of the time of PyYAML's own); a
    file it refuses is parsed again by :class:`_Loader`, so the error is worded the same."""

    def construct_mapping(self, node, deep=False):
        unique_keys(self, node)
        return super().construct_mapping(node, deep)


_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"))
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))


def _parse_yaml(text: str):
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError:
        return yaml.load(text, Loader=_Loader)  # raises again, worded by PyYAML's own parser


def _text(value: Any) -> str:
    """A YAML scalar as the text a cell would hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- validation -------------------------------------------------------------------------------
class _Checker:
    """Collects the problems of one profile file; ``key`` names where in the file they are."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(str(self.path), f"{key}: {message}"))

    def text(self, key: str, value: Any, *, allow_empty: bool = False) -> str | None:
        if isinstance(value, dict | list) or value is None:
            self.add(key, f"expected text, got {value!r}")
            return None
        text = _text(value).strip() if not isinstance(value, str) else value
        if not allow_empty and not text.strip():
            self.add(key, "must not be empty")
            return None
        return text

    def text_list(self, key: str, value: Any) -> tuple[str, ...] | None:
        items = value if isinstance(value, list) else [value]
        if not items:
            self.add(key, "must list at least one value")
            return None
        out = [self.text(f"{key}[{i}]", v) for i, v in enumerate(items)]
        return None if None in out else tuple(out)

    def flag(self, key: str, value: Any) -> bool | None:
        if not isinstance(value, bool):
            self.add(key, f"expected true or false, got {value!r}")
            return None
        return value


def _check_value(chk: _Checker, key: str, text: str | None, col: schema.Column) -> None:
    """A canonical value written in the profile must be valid for the column's type."""
    if text is None:
        return
    error = values.check_scalar(text, col.type)
    if error:
        chk.add(key, f"{error} (column {col.name} is {col.type})")
    elif col.accepted and text not in col.accepted:
        chk.add(key, f"{text!r} is not accepted for {col.name}; one of: {', '.join(col.accepted)}")


_SIGN_COLUMN = schema.Column("sign", "VARCHAR", "", accepted=SIGNS)


def _regex(chk: _Checker, key: str, raw: Any, *, max_groups: int | None = None) -> str | None:
    pattern = chk.text(key, raw)
    if pattern is None:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        chk.add(key, f"bad regular expression {pattern!r}: {exc}")
        return None
    if max_groups is not None and compiled.groups > max_groups:
        chk.add(key, f"{pattern!r} has {compiled.groups} groups; use one group (…) around the "
                     "value, or (?:…) for the others")
    return pattern


def _rule(chk: _Checker, key: str, raw: Any, col: schema.Column,
          mode: str = "column") -> ColumnRule | None:
    """Validate one column rule; ``mode`` is ``column`` or a sub-rule (sign, term, type)."""
    if not isinstance(raw, dict):
        chk.add(key, f"expected a mapping like {{from: 订单编号}}, got {raw!r}")
        return None
    allowed = _RULE_KEYS if mode == "column" else _SUB_KEYS[mode]
    for unknown in sorted(set(raw) - allowed, key=str):
        chk.add(f"{key}.{unknown}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    kind = values.kind(col.type)
    above = None
    if "above" in raw:
        above = chk.text(f"{key}.above", raw["above"])
        for other in ("from", "join", "fill_down"):
            if other in raw:
                chk.add(f"{key}.above", f"reads a label above the header; it cannot be combined "
                                        f"with {other}")
    elif "from" not in raw:
        chk.add(key, "missing key 'from' (the header text to read)")
        return None
    from_ = () if above is not None else chk.text_list(f"{key}.from", raw["from"])

    mapping = None
    if "map" in raw:
        if not isinstance(raw["map"], dict) or not raw["map"]:
            chk.add(f"{key}.map", f"expected a mapping of file value -> canonical value, got {raw['map']!r}")
        else:
            mapping = {}
            for k, v in raw["map"].items():
                target = chk.text(f"{key}.map.{k}", v)
                _check_value(chk, f"{key}.map.{k}", target, col)
                mapping[_text(k).strip()] = target
    patterns: list[tuple[str, str]] = []
    if "patterns" in raw:
        if mapping is not None:
            chk.add(f"{key}.patterns", "use either map (exact values) or patterns (regular "
                                       "expressions), not both")
        if not isinstance(raw["patterns"], dict) or not raw["patterns"]:
            chk.add(f"{key}.patterns", "expected a mapping of regular expression -> canonical "
                                       f"value, e.g. {{'退款': refund}}, got {raw['patterns']!r}")
        else:
            for k, v in raw["patterns"].items():
                pattern = _regex(chk, f"{key}.patterns.{k}", _text(k))
                target = chk.text(f"{key}.patterns.{k}", v)
                _check_value(chk, f"{key}.patterns.{k}", target, col)
                if pattern is not None and target is not None:
                    patterns.append((pattern, target))
    map_default = None
    if "map_default" in raw:
        if mapping is None and "patterns" not in raw:
            chk.add(f"{key}.map_default", "only allowed together with 'map' or 'patterns'")
        map_default = chk.text(f"{key}.map_default", raw["map_default"])
        _check_value(chk, f"{key}.map_default", map_default, col)
    default = None
    if "default" in raw:
        default = chk.text(f"{key}.default", raw["default"])
        _check_value(chk, f"{key}.default", default, col)

    formats: tuple[str, ...] = ()
    if "formats" in raw:
        formats = chk.text_list(f"{key}.formats", raw["formats"]) or ()
        if kind not in ("date", "timestamp"):
            chk.add(f"{key}.formats", f"only for DATE and TIMESTAMP columns; {col.name} is {col.type}")
        for f in formats:
            if "%" not in f:
                chk.add(f"{key}.formats", f"{f!r} is not a strptime format like %Y-%m-%d")
    timezone = None
    if "timezone" in raw:
        timezone = chk.text(f"{key}.timezone", raw["timezone"])
        if kind not in ("date", "timestamp"):
            chk.add(f"{key}.timezone", f"only for DATE and TIMESTAMP columns; {col.name} is "
                                       f"{col.type}")
        elif timezone is not None and (error := values.check_timezone(timezone)):
            chk.add(f"{key}.timezone", error)

    flags = {}
    for name, kinds, what in (("negate", ("decimal", "int"), "number"),
                              ("upper", ("text",), "text"),
                              ("number_repeats", ("text",), "text"),
                              ("fill_down", None, None), ("optional", None, None)):
        flags[name] = chk.flag(f"{key}.{name}", raw[name]) if name in raw else False
        if flags[name] and kinds and kind not in kinds:
            chk.add(f"{key}.{name}", f"only for {what} columns; {col.name} is {col.type}")

    join: tuple[str, ...] = ()
    if "join" in raw:
        join = chk.text_list(f"{key}.join", raw["join"]) or ()
    join_with = " "
    if "join_with" in raw:
        join_with = chk.text(f"{key}.join_with", raw["join_with"], allow_empty=True) or ""
        if "join" not in raw:
            chk.add(f"{key}.join_with", "only allowed together with 'join'")
    extract = _regex(chk, f"{key}.extract", raw["extract"], max_groups=1) \
        if "extract" in raw else None
    unmatched = "error"
    if "unmatched" in raw:
        unmatched = chk.text(f"{key}.unmatched", raw["unmatched"]) or "error"
        if unmatched not in UNMATCHED:
            chk.add(f"{key}.unmatched", f"expected one of {', '.join(UNMATCHED)}, got "
                                        f"{unmatched!r}")
        if "extract" not in raw and "province_from" not in raw:
            chk.add(f"{key}.unmatched", "only allowed together with 'extract' or "
                                        "'province_from'")
    empty_if = _regex(chk, f"{key}.empty_if", raw["empty_if"]) if "empty_if" in raw else None
    province_from = None
    if "province_from" in raw:
        province_from = chk.text(f"{key}.province_from", raw["province_from"])
        if province_from is not None and province_from not in PROVINCE_FROM:
            chk.add(f"{key}.province_from", f"expected one of {', '.join(PROVINCE_FROM)}, got "
                                            f"{province_from!r}")
        if kind != "text":
            chk.add(f"{key}.province_from", f"only for text columns; {col.name} is {col.type}")
        if "map" in raw or "patterns" in raw:
            chk.add(f"{key}.province_from", "gives the value itself; it cannot be combined with "
                                            "map or patterns")
    decimal = "."
    if "decimal" in raw:
        decimal = chk.text(f"{key}.decimal", raw["decimal"]) or "."
        if decimal not in (".", ","):
            chk.add(f"{key}.decimal", f"expected '.' or ',', got {decimal!r}")
        if kind not in ("decimal", "int"):
            chk.add(f"{key}.decimal", f"only for number columns; {col.name} is {col.type}")

    subs: dict[str, ColumnRule | None] = {"sign": None, "minus": None, "plus": None}
    for name in subs:
        if name not in raw:
            continue
        if kind not in ("decimal", "int"):
            chk.add(f"{key}.{name}", f"only for number columns; {col.name} is {col.type}")
            continue
        sub = raw[name]
        if name == "sign":
            subs[name] = _rule(chk, f"{key}.sign", sub, _SIGN_COLUMN, "sign")
            if isinstance(sub, dict) and "map" not in sub and "patterns" not in sub:
                chk.add(f"{key}.sign", "needs map or patterns giving '+', '-' or 'skip' for the "
                                       "cell's values, e.g. {from: 收/支, map: {收入: '+', "
                                       "支出: '-'}}")
        else:
            if isinstance(sub, str):
                sub = {"from": sub}
            subs[name] = _rule(chk, f"{key}.{name}", sub, col, "term")
    if from_ is None or (above is None and not from_):
        return None
    return ColumnRule(
        from_, mapping, map_default, formats, bool(flags["optional"]), bool(flags["negate"]),
        default, above=above, join=join, join_with=join_with, extract=extract,
        unmatched=unmatched, empty_if=empty_if, fill_down=bool(flags["fill_down"]),
        patterns=tuple(patterns), upper=bool(flags["upper"]), decimal=decimal,
        sign=subs["sign"], minus=subs["minus"], plus=subs["plus"],
        number_repeats=bool(flags["number_repeats"]), timezone=timezone,
        province_from=province_from)


def _columns(chk: _Checker, tbl: schema.Table, raw_columns: dict,
             raw_constants: dict) -> tuple[dict[str, str], dict[str, ColumnRule], dict[str, Any]]:
    """Validate ``constants`` and ``columns`` against the table's schema.

    Returns the constants, the rules that read a header, and the raw ``same_as`` and
    ``from_bill`` rules (checked by :func:`_same_as` and :func:`_from_bill` once every other
    source of a column is known).
    """
    known = tbl.column_names
    constants: dict[str, str] = {}
    for col_name, value in raw_constants.items():
        if col_name not in known:
            chk.add(f"constants.{col_name}",
                    f"table {tbl.name} has no column {col_name!r}; columns: {', '.join(known)}")
            continue
        text = chk.text(f"constants.{col_name}", value)
        _check_value(chk, f"constants.{col_name}", text, tbl.column(col_name))
        if text is not None:
            constants[col_name] = text
    columns: dict[str, ColumnRule] = {}
    same_as: dict[str, Any] = {}
    for col_name, raw in raw_columns.items():
        if col_name not in known:
            chk.add(f"columns.{col_name}",
                    f"table {tbl.name} has no column {col_name!r}; columns: {', '.join(known)}")
            continue
        if col_name in raw_constants:
            chk.add(f"columns.{col_name}", "is also in constants; keep one")
        if isinstance(raw, dict) and ("same_as" in raw or "from_bill" in raw):
            same_as[col_name] = raw  # a copy, or a value from the bills: see _same_as, _from_bill
            continue
        rule = _rule(chk, f"columns.{col_name}", raw, tbl.column(col_name))
        if rule is not None:
            columns[col_name] = rule
    return constants, columns, same_as


def _same_as(chk: _Checker, tbl: schema.Table, raw_same: dict[str, Any],
             provided: set[str]) -> dict[str, str]:
    """``amount: {same_as: payable}``: a column that copies another one of the same type."""
    out: dict[str, str] = {}
    for target, raw in raw_same.items():
        key = f"columns.{target}.same_as"
        others = sorted(set(raw) - {"same_as"}, key=str)
        if others:
            chk.add(key, f"copies another column and cannot be combined with "
                         f"{', '.join(map(str, others))}")
        source = chk.text(key, raw["same_as"])
        if source is None:
            continue
        if source not in tbl.column_names:
            chk.add(key, f"table {tbl.name} has no column {source!r}; columns: "
                         f"{', '.join(tbl.column_names)}")
        elif source == target:
            chk.add(key, "a column cannot copy itself")
        elif source in raw_same:
            chk.add(key, f"{source} is itself a copy (same_as); name the column it copies")
        elif source not in provided:
            chk.add(key, f"{source} is read from nowhere: it is in neither columns, constants "
                         "nor unpivot")
        else:
            src, dst = tbl.column(source), tbl.column(target)
            if src.type != dst.type:
                chk.add(key, f"{source} is {src.type} but {target} is {dst.type}; same_as copies "
                             "between columns of the same type")
            elif dst.accepted and not set(src.accepted or ("*",)) <= set(dst.accepted):
                chk.add(key, f"{source} may hold values that {target} does not accept")
            else:
                out[target] = source
    return out


def _from_bill(chk: _Checker, tbl: schema.Table, raw_from: dict[str, Any],
               provided: set[str]) -> dict[str, str]:
    """``carrier: {from_bill: tracking_no}``: a value the courier bills of the load give."""
    out: dict[str, str] = {}
    for target, raw in raw_from.items():
        key = f"columns.{target}.from_bill"
        others = sorted(set(raw) - {"from_bill"}, key=str)
        if others:
            chk.add(key, f"takes the value from the bills and cannot be combined with "
                         f"{', '.join(map(str, others))}")
        source = chk.text(key, raw["from_bill"])
        if source is None:
            continue
        if target != "carrier" and tbl.name != "shipments":
            chk.add(key, f"the bills give a carrier to any table, other columns only to "
                         f"shipments (through the bill profiles' shipment_columns); {tbl.name} "
                         f"is not shipments")
        elif source not in tbl.column_names:
            chk.add(key, f"table {tbl.name} has no column {source!r}; name the column holding "
                         "the waybill, e.g. tracking_no")
        elif source not in provided:
            chk.add(key, f"{source} is read from nowhere: it is in neither columns nor constants")
        elif values.kind(tbl.column(source).type) != "text":
            chk.add(key, f"{source} is {tbl.column(source).type}; a waybill is text")
        else:
            out[target] = source
    return out


def _group_by(chk: _Checker, tbl: schema.Table, raw: Any, provided: set[str]) -> GroupBy | None:
    """``group_by``: one line per key (a parcel per waybill of a list of goods lines)."""
    if not isinstance(raw, dict):
        chk.add("group_by", f"expected a mapping like {{key: tracking_no, sum: [weight_kg]}}, got "
                            f"{raw!r}")
        return None
    for unknown in sorted(set(raw) - _GROUP_KEYS, key=str):
        chk.add(f"group_by.{unknown}", f"unknown key; allowed: {', '.join(sorted(_GROUP_KEYS))}")
    before = len(chk.problems)
    key = chk.text("group_by.key", raw.get("key")) if "key" in raw else None
    if "key" not in raw:
        chk.add("group_by", "missing key 'key' (the canonical column whose value makes a line, "
                            "e.g. tracking_no)")
    elif key is not None:
        if key not in tbl.column_names:
            chk.add("group_by.key", f"table {tbl.name} has no column {key!r}")
        elif key not in provided:
            chk.add("group_by.key", f"{key} is read from nowhere")
        elif values.kind(tbl.column(key).type) != "text":
            chk.add("group_by.key", f"{key} is {tbl.column(key).type}; the key is a text column")
    sums = chk.text_list("group_by.sum", raw["sum"]) or () if "sum" in raw else ()
    for name in sums:
        if name not in tbl.column_names:
            chk.add("group_by.sum", f"table {tbl.name} has no column {name!r}")
        elif name not in provided:
            chk.add("group_by.sum", f"{name} is read from nowhere")
        elif values.kind(tbl.column(name).type) not in ("decimal", "int"):
            chk.add("group_by.sum", f"only number columns add up; {name} is "
                                    f"{tbl.column(name).type}")
        elif name == key:
            chk.add("group_by.sum", f"{name} is the key")
    if len(chk.problems) > before or key is None:
        return None
    return GroupBy(key, tuple(sums))


SHIPMENT_KEYS = ("shipment_id", "tracking_no")
"""Columns of shipments a bill cannot give: the parcel's own keys."""


def _shipment_columns(chk: _Checker, tbl: schema.Table, raw: Any) -> dict[str, ColumnRule]:
    """``shipment_columns``: what a bill says about each of its parcels (its product...)."""
    if tbl.name != "courier_bill_lines":
        chk.add("shipment_columns", f"only for courier bills (table courier_bill_lines); this "
                                    f"profile's table is {tbl.name}")
        return {}
    if not isinstance(raw, dict) or not raw:
        chk.add("shipment_columns", f"expected a mapping of shipments column -> rule, e.g. "
                                    f"{{service: {{from: 产品类型}}}}, got {raw!r}")
        return {}
    ships = schema.table("shipments")
    out = {}
    for name, rule_raw in raw.items():
        key = f"shipment_columns.{name}"
        if name not in ships.column_names or name in SHIPMENT_KEYS:
            chk.add(key, f"not a column a bill can give to shipments; one of: "
                         f"{', '.join(c for c in ships.column_names if c not in SHIPMENT_KEYS)}")
            continue
        rule = _rule(chk, key, rule_raw, ships.column(name))
        if rule is not None:
            out[name] = rule
    return out


def _unpivot(chk: _Checker, tbl: schema.Table, raw: Any, taken: set[str]) -> Unpivot | None:
    """``unpivot``: wide fee columns, one canonical line per non-empty cell."""
    if not isinstance(raw, dict):
        chk.add("unpivot", "expected a mapping like {value_column: payable, type_column: "
                           f"fee_type, columns: {{物流费: freight}}}}, got {raw!r}")
        return None
    for unknown in sorted(set(raw) - _UNPIVOT_KEYS, key=str):
        chk.add(f"unpivot.{unknown}", f"unknown key; allowed: {', '.join(sorted(_UNPIVOT_KEYS))}")
    missing = [k for k in ("value_column", "type_column", "columns") if k not in raw]
    for k in missing:
        chk.add("unpivot", f"missing key {k!r}")
    if missing:
        return None
    names = {}
    for k in ("value_column", "type_column"):
        name = chk.text(f"unpivot.{k}", raw[k])
        if name is None:
            continue
        if name not in tbl.column_names:
            chk.add(f"unpivot.{k}", f"table {tbl.name} has no column {name!r}; columns: "
                                    f"{', '.join(tbl.column_names)}")
        elif name in taken:
            chk.add(f"unpivot.{k}", f"{name} is also in columns or constants; keep one")
        else:
            names[k] = name
    value, type_ = names.get("value_column"), names.get("type_column")
    if value is not None and values.kind(tbl.column(value).type) not in ("decimal", "int"):
        chk.add("unpivot.value_column", f"must be a number column; {value} is "
                                        f"{tbl.column(value).type}")
    if value is not None and value == type_:
        chk.add("unpivot.type_column", "must differ from value_column")

    columns: dict[str, str | ColumnRule] = {}
    optional: set[str] = set()
    raw_columns = raw["columns"]
    if not isinstance(raw_columns, dict) or not raw_columns:
        chk.add("unpivot.columns", "expected a mapping of header -> type, e.g. {物流费: freight, "
                                   f"上楼费: upstairs}}, got {raw_columns!r}")
    else:
        seen: set[str] = set()
        for header, target in raw_columns.items():
            header = _text(header).strip()
            key = f"unpivot.columns.{header}"
            if values.header_key(header) in seen:
                chk.add(key, "lists the same header twice")
            seen.add(values.header_key(header))
            if isinstance(target, dict):
                target = dict(target)
                if "optional" in target and chk.flag(f"{key}.optional", target.pop("optional")):
                    optional.add(header)
                if "type" in target:
                    target = target.pop("type") if not target.keys() - {"type"} else target
                    if isinstance(target, dict):
                        chk.add(key, "either {type: <value>} or a rule reading the type "
                                     "(from, map, patterns...), not both")
                        continue
                elif type_ is not None:
                    rule = _rule(chk, key, target, tbl.column(type_), "type")
                    if rule is not None:
                        columns[header] = rule
                    continue
            text = chk.text(key, target)
            if type_ is not None:
                _check_value(chk, key, text, tbl.column(type_))
            if text is not None:
                columns[header] = text
    skip_zero = chk.flag("unpivot.skip_zero", raw["skip_zero"]) if "skip_zero" in raw else True
    if chk.problems or value is None or type_ is None:
        return None
    return Unpivot(value, type_, columns, bool(skip_zero), frozenset(optional))


def _provided(chk: _Checker, key: str, raw: Any, tbl: schema.Table,
              provided: set[str]) -> str | None:
    """A canonical column a totals check refers to: it must exist and be read by the profile."""
    name = chk.text(key, raw)
    if name is None:
        return None
    if name not in tbl.column_names:
        chk.add(key, f"table {tbl.name} has no column {name!r}; columns: "
                     f"{', '.join(tbl.column_names)}")
        return None
    if name not in provided:
        chk.add(key, f"{name} is read from nowhere: it is in neither columns, constants nor "
                     "unpivot")
        return None
    return name


def _total_check(chk: _Checker, key: str, cell: str, raw: Any, tbl: schema.Table,
                 provided: set[str]) -> TotalCheck | None:
    if not isinstance(raw, dict):
        chk.add(key, f"expected a mapping like {{sum: payable}} or {{count_distinct: "
                     f"waybill_no}}, got {raw!r}")
        return None
    for unknown in sorted(set(raw) - set(MEASURES) - {"where", "from", "at"}, key=str):
        chk.add(f"{key}.{unknown}", f"unknown key; allowed: {', '.join(MEASURES)}, where, from, "
                                    "at")
    measures = [m for m in MEASURES if m in raw]
    if len(measures) != 1:
        chk.add(key, f"needs exactly one of {', '.join(MEASURES)}")
        return None
    measure = measures[0]
    column = _provided(chk, f"{key}.{measure}", raw[measure], tbl, provided)
    if column is not None and measure == "sum" and \
            values.kind(tbl.column(column).type) not in ("decimal", "int"):
        chk.add(f"{key}.sum", f"only number columns add up; {column} is "
                              f"{tbl.column(column).type}")
    where: dict[str, str] = {}
    raw_where = raw.get("where", {})
    if not isinstance(raw_where, dict) or ("where" in raw and not raw_where):
        chk.add(f"{key}.where", f"expected a mapping of column -> value, e.g. {{fee_type: "
                                f"freight}}, got {raw_where!r}")
        raw_where = {}
    for name, value in raw_where.items():
        name = _provided(chk, f"{key}.where.{name}", name, tbl, provided)
        if name is None:
            continue
        text = chk.text(f"{key}.where.{name}", value)
        _check_value(chk, f"{key}.where.{name}", text, tbl.column(name))
        if text is not None:
            where[name] = text
    cells: tuple[str, ...] = ()
    if "from" in raw:
        cells = tuple(c.strip() for c in chk.text_list(f"{key}.from", raw["from"]) or ())
    at = "header"
    if "at" in raw:
        at = chk.text(f"{key}.at", raw["at"]) or "header"
        if at not in TOTAL_AT:
            chk.add(f"{key}.at", f"expected one of {', '.join(TOTAL_AT)}, got {at!r}")
        if at == "unnamed" and cells:
            chk.add(f"{key}.from", "a total in an unnamed column is found by its place, not by a "
                                   "header; leave out from")
    if column is None:
        return None
    return TotalCheck(cell, measure, column, where, cells, at)


def _totals(chk: _Checker, tbl: schema.Table, raw: Any, provided: set[str],
            file_types: tuple[str, ...]) -> tuple[Totals, ...]:
    """``totals``: one mapping, or a list of them (a totals row and a summary sheet, say)."""
    entries = [("totals", raw)] if isinstance(raw, dict) else None
    if isinstance(raw, list) and raw:
        entries = [(f"totals[{i}]", entry) for i, entry in enumerate(raw)]
    if entries is None:
        chk.add("totals", f"expected a mapping like {{row: below, label: '^合计', check: "
                          f"{{应付金额: {{sum: payable}}}}}}, or a list of them, got {raw!r}")
        return ()
    out = []
    for key, entry in entries:
        if not isinstance(entry, dict):
            chk.add(key, f"expected a mapping with row or sheet, and check; got {entry!r}")
            continue
        before = len(chk.problems)
        for unknown in sorted(set(entry) - _TOTALS_KEYS, key=str):
            chk.add(f"{key}.{unknown}", f"unknown key; allowed: {', '.join(sorted(_TOTALS_KEYS))}")
        row = label = sheet = label_header = None
        if ("row" in entry) == ("sheet" in entry):
            chk.add(key, "needs exactly one of 'row' (a totals row: above or below) and 'sheet' "
                         "(a summary sheet)")
        elif "row" in entry:
            row = chk.text(f"{key}.row", entry["row"])
            if row is not None and row not in TOTALS_ROWS:
                chk.add(f"{key}.row", f"expected one of {', '.join(TOTALS_ROWS)}, got {row!r}")
            if "label" not in entry:
                chk.add(key, "missing key 'label' (a regular expression matching a cell of the "
                             "totals row, e.g. '^合计')")
            elif isinstance(entry["label"], dict):
                if len(entry["label"]) != 1:
                    chk.add(f"{key}.label", "a mapping names one header and its regular "
                                            "expression, e.g. {total-amount: '\\d'}")
                else:
                    (header, raw_label), = entry["label"].items()
                    label_header = _text(header).strip()
                    label = _regex(chk, f"{key}.label.{label_header}", raw_label)
            else:
                label = _regex(chk, f"{key}.label", entry["label"])
        else:
            sheet = chk.text(f"{key}.sheet", entry["sheet"])
            if "label" in entry:
                chk.add(f"{key}.label", "only for a totals row; on a summary sheet each check "
                                        "names its own label")
            for name in entry.get("check") or {}:
                raw_check = entry["check"][name]
                if isinstance(raw_check, dict) and raw_check.get("at", "header") != "header":
                    chk.add(f"{key}.check.{name}.at", "only for a totals row; on a summary sheet "
                                                      "a total sits next to its label")
            texts = [t for t in file_types if t in TEXT_TYPES]
            if texts:
                chk.add(f"{key}.sheet", f"a summary sheet needs workbooks; file_types also has "
                                        f"{', '.join(texts)}")
        optional = chk.flag(f"{key}.optional", entry["optional"]) if "optional" in entry \
            else False
        raw_checks = entry.get("check")
        checks = []
        if not isinstance(raw_checks, dict) or not raw_checks:
            chk.add(f"{key}.check", "expected a mapping of header (or label) -> {sum: column}, "
                                    f"e.g. {{应付金额: {{sum: payable}}}}, got {raw_checks!r}")
        else:
            for cell, raw_check in raw_checks.items():
                cell = _text(cell).strip()
                found = _total_check(chk, f"{key}.check.{cell}", cell, raw_check, tbl, provided)
                if found is not None:
                    checks.append(found)
        if len(chk.problems) == before:
            out.append(Totals(tuple(checks), row, label, sheet, bool(optional), label_header))
    return tuple(out)


def _private(chk: _Checker, raw: Any, reads: dict[str, str]) -> tuple[str, ...]:
    """``private``: headers of personal data, which no other key may read."""
    headers = chk.text_list("private", raw) or ()
    out = []
    for header in headers:
        header = header.strip()
        used = reads.get(values.header_key(header))
        if used is not None:
            chk.add("private", f"{header!r} is read by {used}; a private column must not be read")
        out.append(header)
    return tuple(out)


def parse_profile(data: Any, path: Path) -> tuple[Profile | None, list[Problem]]:
    """Validate one profile's parsed YAML; returns the profile (None if invalid) and problems."""
    chk = _Checker(path)
    if not isinstance(data, dict):
        chk.add("(top)", "a profile is a mapping of keys such as name, table, signature, columns")
        return None, chk.problems
    for unknown in sorted(set(data) - _TOP_KEYS, key=str):
        chk.add(str(unknown), f"unknown key; allowed: {', '.join(sorted(_TOP_KEYS))}")
    for missing in _REQUIRED_KEYS:
        if missing not in data:
            chk.add(missing, "missing required key")
    if any(k not in data for k in _REQUIRED_KEYS):
        return None, chk.problems

    name = chk.text("name", data["name"])
    if name is not None and not _NAME.match(name):
        chk.add("name", f"{name!r} must be letters, digits, '_', '-' or '.' (e.g. sf_bill_v2)")
    table_name = chk.text("table", data["table"])
    tbl = schema.TABLES.get(table_name) if table_name else None
    if table_name and tbl is None:
        chk.add("table", f"unknown table {table_name!r}; one of: {', '.join(schema.TABLES)}")
    description = data.get("description", "")
    description = "" if description is None else chk.text("description", description, allow_empty=True)

    file_types = chk.text_list("file_types", data["file_types"]) or ()
    file_types = tuple(t.lower().lstrip(".") for t in file_types)
    for t in file_types:
        if t not in FILE_TYPES:
            chk.add("file_types", f"unknown file type {t!r}; one of: {', '.join(FILE_TYPES)}")
    has_text = any(t in TEXT_TYPES for t in file_types)
    has_excel = any(t in EXCEL_TYPES for t in file_types)

    encoding = chk.text("encoding", data.get("encoding", "auto")) or "auto"
    encoding = encoding.lower().replace("_", "-")
    if encoding not in ENCODINGS:
        chk.add("encoding", f"unknown encoding {encoding!r}; one of: {', '.join(ENCODINGS)}")
    delimiter = ","
    if "delimiter" in data:
        delimiter = chk.text("delimiter", data["delimiter"], allow_empty=True) or ","
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            chk.add("delimiter", f"expected one character such as ',' or \"\\t\", got {delimiter!r}")
        if not has_text:
            chk.add("delimiter", "only for csv/txt files; file_types has none")
    sheet = None
    if data.get("sheet") is not None:
        sheet = chk.text("sheet", data["sheet"])
        if not has_excel:
            chk.add("sheet", "only for xlsx/xls files; file_types has none")

    signature = chk.text_list("signature", data["signature"]) or ()
    signature = tuple(s.strip() for s in signature)
    normalised = [values.header_key(s) for s in signature]
    if len(set(normalised)) != len(normalised):
        chk.add("signature", "lists the same header twice")

    rows = data.get("header_search_rows", DEFAULT_HEADER_SEARCH_ROWS)
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= 100_000:
        chk.add("header_search_rows", f"expected a whole number from 1 to 100000, got {rows!r}")
        rows = DEFAULT_HEADER_SEARCH_ROWS
    stop = data.get("stop_at_blank_row", True)
    stop = chk.flag("stop_at_blank_row", stop)

    drop_rows = _header_patterns(chk, "drop_rows", data.get("drop_rows"))
    stop_at_row = _header_patterns(chk, "stop_at_row", data.get("stop_at_row"))

    raw_columns = data["columns"]
    if not isinstance(raw_columns, dict) or not raw_columns:
        chk.add("columns", "expected a mapping of canonical column -> {from: header}")
        raw_columns = {}
    raw_constants = data.get("constants") or {}
    if not isinstance(raw_constants, dict):
        chk.add("constants", f"expected a mapping of column -> value, got {raw_constants!r}")
        raw_constants = {}
    constants, columns, raw_same = ({}, {}, {}) if tbl is None else \
        _columns(chk, tbl, raw_columns, raw_constants)

    unpivot = None
    provided = set(raw_columns) | set(raw_constants)
    if "unpivot" in data and tbl is not None:
        unpivot = _unpivot(chk, tbl, data["unpivot"], provided)
        raw_unpivot = data["unpivot"] if isinstance(data["unpivot"], dict) else {}
        provided |= {v for k, v in raw_unpivot.items()
                     if k in ("value_column", "type_column") and isinstance(v, str)}
    raw_from_bill = {k: v for k, v in raw_same.items() if "same_as" not in v}
    raw_same = {k: v for k, v in raw_same.items() if "same_as" in v}
    later = set(raw_same) | set(raw_from_bill)
    same_as = {} if tbl is None else _same_as(chk, tbl, raw_same, provided - later)
    from_bill = {} if tbl is None else _from_bill(chk, tbl, raw_from_bill, provided - later)
    extra_lines: tuple[ExtraLine, ...] = ()
    if "extra_lines" in data and tbl is not None:
        if unpivot is not None:
            chk.add("extra_lines", "cannot be combined with unpivot; use one of them")
        extra_lines = _extra_lines(chk, tbl, data["extra_lines"], provided, set(raw_same))
    if tbl is not None:
        for col in tbl.columns:
            if col.required and col.name not in provided:
                chk.add("columns", f"required column {col.name} of table {tbl.name} is in "
                                   "neither columns, constants nor unpivot")
    totals: tuple[Totals, ...] = ()
    if "totals" in data and tbl is not None:
        totals = _totals(chk, tbl, data["totals"], provided, file_types)
    group_by = None
    if "group_by" in data and tbl is not None:
        if unpivot is not None or extra_lines:
            chk.add("group_by", "cannot be combined with unpivot or extra_lines")
        group_by = _group_by(chk, tbl, data["group_by"], provided)
    shipment_columns: dict[str, ColumnRule] = {}
    if "shipment_columns" in data and tbl is not None:
        shipment_columns = _shipment_columns(chk, tbl, data["shipment_columns"])

    private: tuple[str, ...] = ()
    if "private" in data:
        reads = {values.header_key(h): f"drop_rows.{h}" for h in drop_rows}
        reads.update({values.header_key(h): f"stop_at_row.{h}" for h in stop_at_row})
        for col_name, rule in columns.items():
            reads.update({values.header_key(h): f"columns.{col_name}.from"
                          for h in rule.headers()})
        for col_name, rule in shipment_columns.items():
            reads.update({values.header_key(h): f"shipment_columns.{col_name}.from"
                          for h in rule.headers()})
        for i, extra in enumerate(extra_lines):
            for col_name, rule in extra.columns.items():
                reads.update({values.header_key(h): f"extra_lines[{i}].columns.{col_name}.from"
                              for h in rule.headers()})
        for h, target in (unpivot.columns.items() if unpivot else ()):
            reads[values.header_key(h)] = f"unpivot.columns.{h}"
            if isinstance(target, ColumnRule):
                reads.update({values.header_key(x): f"unpivot.columns.{h}.from"
                              for x in target.headers()})
        for t in totals:
            for c in t.checks if t.row else ():
                for cell in c.names if c.at == "header" else ():
                    reads[values.header_key(cell)] = f"totals.check.{c.cell}"
        private = _private(chk, data["private"], reads)

    if chk.problems:
        return None, chk.problems
    profile = Profile(
        name=name, table=table_name, description=description, file_types=file_types,
        encoding=encoding, delimiter=delimiter, sheet=sheet, signature=signature,
        header_search_rows=rows, drop_rows=drop_rows, stop_at_blank_row=stop,
        constants=constants, columns=columns, path=path, same_as=same_as, unpivot=unpivot,
        totals=totals, private=private, stop_at_row=stop_at_row, extra_lines=extra_lines,
        group_by=group_by, from_bill=from_bill, shipment_columns=shipment_columns,
    )
    return profile, []


def _header_patterns(chk: _Checker, key: str, raw: Any) -> dict[str, str]:
    """``drop_rows`` / ``stop_at_row``: header -> regular expression."""
    raw = raw or {}
    if not isinstance(raw, dict):
        chk.add(key, f"expected a mapping of header -> regex, got {raw!r}")
        return {}
    out = {}
    for header, pattern in raw.items():
        pattern = _regex(chk, f"{key}.{header}", pattern)
        if pattern is not None:
            out[_text(header).strip()] = pattern
    return out


def _extra_lines(chk: _Checker, tbl: schema.Table, raw: Any, provided: set[str],
                 copies: set[str]) -> tuple[ExtraLine, ...]:
    """``extra_lines``: more lines made from each row (a fee column, an embedded refund)."""
    if not isinstance(raw, list) or not raw:
        chk.add("extra_lines", "expected a list of {columns: {...}, constants: {...}, suffix: "
                               f"{{settlement_id: '-fee'}}}}, got {raw!r}")
        return ()
    out = []
    for i, entry in enumerate(raw):
        key = f"extra_lines[{i}]"
        if not isinstance(entry, dict):
            chk.add(key, f"expected a mapping with columns, constants and suffix, got {entry!r}")
            continue
        before = len(chk.problems)
        for unknown in sorted(set(entry) - _EXTRA_KEYS, key=str):
            chk.add(f"{key}.{unknown}", f"unknown key; allowed: {', '.join(sorted(_EXTRA_KEYS))}")
        raw_columns = entry.get("columns")
        raw_constants = entry.get("constants") or {}
        if not isinstance(raw_columns, dict) or not raw_columns:
            chk.add(f"{key}.columns", "expected a mapping of canonical column -> rule, with at "
                                      f"least the number column, got {raw_columns!r}")
            continue
        if not isinstance(raw_constants, dict):
            chk.add(f"{key}.constants", f"expected a mapping of column -> value, got "
                                        f"{raw_constants!r}")
            raw_constants = {}
        sub = _Checker(chk.path)
        constants, columns, same = _columns(sub, tbl, raw_columns, raw_constants)
        chk.problems += [Problem(p.file, f"{key}.{p.message}") for p in sub.problems]
        for name in sorted(same):
            which = "same_as" if "same_as" in raw_columns[name] else "from_bill"
            chk.add(f"{key}.columns.{name}", f"{which} is not available in extra lines")
        for name in sorted((set(columns) | set(constants)) & copies):
            chk.add(f"{key}.columns.{name}", f"{name} is a copy (same_as) of another column; "
                                             "set the column it copies")
        for name in sorted(n for n, rule in columns.items() if rule.number_repeats):
            chk.add(f"{key}.columns.{name}.number_repeats", "not available in extra lines (the "
                                                           "suffix keeps their keys apart)")
        numbers = [n for n in columns if values.kind(tbl.column(n).type) in ("decimal", "int")]
        if not numbers and len(sub.problems) == 0:
            chk.add(f"{key}.columns", "needs a number column (the line is made when it holds a "
                                      "value other than 0)")
        suffix: dict[str, str] = {}
        raw_suffix = entry.get("suffix") or {}
        if not isinstance(raw_suffix, dict):
            chk.add(f"{key}.suffix", f"expected a mapping of text column -> text, got "
                                     f"{raw_suffix!r}")
            raw_suffix = {}
        for name, text in raw_suffix.items():
            name = _text(name)
            if name not in tbl.column_names:
                chk.add(f"{key}.suffix.{name}", f"table {tbl.name} has no column {name!r}")
            elif values.kind(tbl.column(name).type) != "text":
                chk.add(f"{key}.suffix.{name}", f"only text columns take a suffix; {name} is "
                                                f"{tbl.column(name).type}")
            elif name not in provided | set(columns) | set(constants):
                chk.add(f"{key}.suffix.{name}", f"{name} is read from nowhere")
            text = chk.text(f"{key}.suffix.{name}", text)
            if text is not None:
                suffix[name] = text
        if tbl.key and not suffix:
            keys = [k for k in tbl.key if values.kind(tbl.column(k).type) == "text"]
            chk.add(f"{key}.suffix", f"the extra line needs a key of its own: give one of "
                                     f"{', '.join(keys)} a suffix, e.g. {{{keys[-1]}: '-fee'}}")
        if len(chk.problems) == before:
            out.append(ExtraLine(columns, constants, suffix))
    return tuple(out)


def read_profile(path: str | Path) -> Profile:
    """Load and validate one profile file."""
    path = Path(path)
    profile, problems = _read_one(path)
    if problems:
        raise InputError(f"profile {path} is invalid", problems)
    return profile


def _read_one(path: Path) -> tuple[Profile | None, list[Problem]]:
    try:
        data = _parse_yaml(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(path), f"cannot read the profile: {exc}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        detail = " ".join(str(exc).split())
        return None, [Problem(str(path), f"not valid YAML: {detail}", row)]
    return parse_profile(data, path)


def profile_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """The folders a command reads profiles from: the built-in ones, the project's own
    ``profiles/`` folder (next to ``data/``) when it exists, then each ``--profiles-dir``."""
    dirs = [config.PROFILES_DIR]
    if config.USER_PROFILES_DIR.is_dir():
        dirs.append(config.USER_PROFILES_DIR)
    return dirs + [Path(d) for d in extra]


def load_profiles(dirs: str | Path | Iterable[str | Path] | None = None) -> dict[str, Profile]:
    """Every ``*.yaml`` / ``*.yml`` profile in ``dirs`` (default: the built-in profiles folder).

    Pass several folders to add your own layouts to the built-in ones, e.g.
    ``load_profiles([config.PROFILES_DIR, my_dir])`` (see :func:`profile_dirs`). A profile of
    your own replaces the built-in one of the same name; two of your own may not share a name.
    """
    if dirs is None:
        dirs = [config.PROFILES_DIR]
    elif isinstance(dirs, str | Path):
        dirs = [dirs]
    builtin = config.PROFILES_DIR.resolve()
    profiles: dict[str, Profile] = {}
    problems: list[Problem] = []
    for folder in map(Path, dirs):
        if not folder.is_dir():
            problems.append(Problem(str(folder), "profiles folder does not exist"))
            continue
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        for path in files:
            profile, found = _read_one(path)
            problems += found
            if profile is None:
                continue
            if profile.name in profiles:
                earlier = profiles[profile.name].path
                if Path(earlier).resolve().parent == builtin and folder.resolve() != builtin:
                    log.info("profile %s: %s replaces the built-in %s", profile.name, path,
                             earlier)
                else:
                    problems.append(Problem(str(path), f"name: {profile.name!r} is already "
                                                       f"used by {earlier}"))
                    continue
            profiles[profile.name] = profile
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the profiles", problems)
    return profiles
