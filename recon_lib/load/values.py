"""Cell text to typed Python values, one column at a time.

Every parser takes a pandas Series of stripped cell text (``""`` is an empty cell) whose index is
the source row, and returns an object array of Python values (str, int, Decimal, datetime, date,
bool, None) plus the list of ``(row, message)`` problems.

The work is vectorised: numbers are read a whole column at a time in Arrow (``_numbers_at_once``)
and dates with pandas' datetime parsing, one format at a time. Python touches single values only
where the meaning must be Python's own (NFKC of text that is not ASCII, per distinct text) and for
the cells the vectorised path does not take: ``_numbers_one_by_one`` reads those with Decimal and
words the problem of each bad one, so a file's values and its error messages are the same as if
every cell had been read one by one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon_lib import config
from recon_lib.load.cells import TEXT, arrow_text, bools, text_series
from recon_lib.periods import Period
from recon_lib.privacy import looks_personal, quote_cell

STRIP = " \t\r\n\u3000\xa0\ufeff"
"""Characters trimmed from both ends of every cell: spaces, tabs, full-width spaces, BOMs."""
PLACEHOLDERS = ("-", "--", "---", "—", "——", "－", "－－")
"""A number or date cell holding only one of these is empty."""

TRUE_WORDS = ("是", "true", "1", "y", "yes")
FALSE_WORDS = ("否", "false", "0", "n", "no")

_NOISE = r"[¥$\s]|元|(?i:rmb|cny)"  # after NFKC, which also turns ￥ into ¥
_NUMBER = r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PARENS = r"\(.+\)"
ZONE_ABBREVIATIONS = {
    "Z": 0, "UTC": 0, "GMT": 0, "WET": 0,
    "WEST": 60, "BST": 60, "CET": 60, "MEZ": 60,
    "CEST": 120, "MESZ": 120, "EET": 120, "EEST": 180,
    "HKT": 480, "SGT": 480, "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660,
    "NZST": 720, "NZDT": 780,
    "HST": -600, "AKST": -540, "AKDT": -480, "PST": -480, "PDT": -420, "MST": -420,
    "MDT": -360, "CDT": -300, "EST": -300, "EDT": -240,
}
"""Zone names a time may end with, as minutes east of UTC. Ambiguous ones (CST: China or US
Central? IST: India, Ireland or Israel?) are deliberately absent: such a value is refused and
the profile's ``timezone`` must say which zone the file uses."""
# A time (not a bare date) followed by a zone: an offset, Z/UTC/GMT or a zone abbreviation.
_ZONED = re.compile(
    r"^(?P<base>.*\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(?P<zone>[+-]\d\d:?\d\d|[A-Z]{1,5})$")
_SERIAL = r"\d{5}(?:\.\d+)?"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
SERIAL_RANGE = (20000, 80000)
"""Excel serial day numbers accepted as dates: 1954-10-03 to 2119-01-10."""
YEARLESS_LOOKAHEAD = timedelta(days=62)
"""A date without a year may be at most this far after the period's end; else it is last year's."""

BUILTIN_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y%m%d", "%Y%m%d%H%M%S", "%Y.%m.%d",
    "%Y年%m月%d日", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
)
"""Tried after the profile's own formats, for every date and timestamp column."""

_TYPE = re.compile(r"^\s*([A-Z]+)\s*(?:\(\s*(\d+)\s*,\s*(\d+)\s*\))?\s*$")
_KINDS = {
    "VARCHAR": "text", "TEXT": "text", "INTEGER": "int", "BIGINT": "int", "DECIMAL": "decimal",
    "TIMESTAMP": "timestamp", "DATE": "date", "BOOLEAN": "bool",
}
_INT_RANGE = {"INTEGER": (-(2**31), 2**31 - 1), "BIGINT": (-(2**63), 2**63 - 1)}

Problems = list[tuple[object, str]]
RE2_SPACE = (r"[\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
             r"\x{202f}\x{205f}\x{3000}]")
"""Python's ``\\s`` (every character ``str.isspace`` knows) for Arrow's RE2, whose own ``\\s``
is ASCII and without \\v."""


def header_key(text: str) -> str:
    """How header cells are compared: full-width folded, case-folded, whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def kind(type_: str) -> str:
    """The parser a schema type needs: text, int, decimal, timestamp, date or bool."""
    found = _TYPE.match(type_.upper())
    if not found or found.group(1) not in _KINDS:
        raise ValueError(f"unsupported column type {type_!r}")
    return _KINDS[found.group(1)]


def decimal_shape(type_: str) -> tuple[int, int]:
    """(precision, scale) of ``DECIMAL(p,s)``; DuckDB's default is (18, 3)."""
    found = _TYPE.match(type_.upper())
    if found and found.group(2):
        return int(found.group(2)), int(found.group(3))
    return 18, 3


# -- public entry points ----------------------------------------------------------------------
def parse(raw: pd.Series, type_: str, *, formats: tuple[str, ...] = (), negate: bool = False,
          period: Period | None = None, decimal: str = ".",
          timezone: str | None = None) -> tuple[np.ndarray, Problems]:
    """Parse stripped cell text into values of the schema type ``type_``.

    ``decimal=","`` reads numbers written with a decimal comma (``1.234,56``). ``timezone``
    (an IANA name such as ``UTC`` or ``America/Los_Angeles``) is the zone of times that carry
    none; times are returned as Asia/Shanghai wall-clock times either way.
    """
    raw = raw.astype("str").fillna("")
    k = kind(type_)
    if k == "text":
        return _text(raw), []
    if k == "bool":
        return _bool(raw)
    if k in ("int", "decimal"):
        return _number(raw, type_, negate, decimal)
    return _temporal(raw, k, formats, period, timezone)


def zone_offset(name: str) -> int | None:
    """Minutes east of UTC of an offset (``+08:00``, ``-0400``) or a known zone abbreviation."""
    if name in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[name]
    found = re.fullmatch(r"([+-])(\d\d):?(\d\d)", name)
    if not found:
        return None
    minutes = int(found.group(2)) * 60 + int(found.group(3))
    return -minutes if found.group(1) == "-" else minutes


def check_timezone(name: str) -> str | None:
    """The problem with an IANA time-zone name, or None."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return (f"unknown time zone {name!r}; use an IANA name such as UTC, Asia/Shanghai or "
                "America/Los_Angeles")
    return None


_TOTAL = re.compile(rf"[^\d.+-]*?({_NUMBER})[^\d]*")


def total_number(text: str) -> Decimal | None:
    """The one number of a total as files print it: ``3069.1元``, ``¥3,069.10``, ``1007票``,
    ``共1007票``, ``(12.30)``. None when the text holds no number or more than one."""
    clean = "".join(unicodedata.normalize("NFKC", text).split())
    negative = re.fullmatch(_PARENS, clean) is not None
    if negative:
        clean = clean[1:-1]
    found = _TOTAL.fullmatch(clean)
    if not found:
        return None
    value = Decimal(found.group(1).replace(",", "").lstrip("+"))
    return -value if negative else value


@functools.lru_cache(maxsize=4096)  # profiles repeat the same few values many times
def check_scalar(text: str, type_: str) -> str | None:
    """The problem with one canonical value written in a profile, or None if it parses."""
    _, problems = parse(pd.Series([text.strip(STRIP)]), type_)
    return problems[0][1] if problems else None


# -- text and booleans ------------------------------------------------------------------------
def _text(raw: pd.Series) -> np.ndarray:
    out = raw.to_numpy(dtype=object, na_value=None)
    out[(raw == "").to_numpy()] = None
    return out


def _bool(raw: pd.Series) -> tuple[np.ndarray, Problems]:
    low = raw.str.lower()
    out = np.full(len(raw), None, dtype=object)
    is_true = low.isin(TRUE_WORDS).to_numpy()
    is_false = low.isin(FALSE_WORDS).to_numpy()
    out[is_true] = True
    out[is_false] = False
    bad = ~(is_true | is_false | (raw == "").to_numpy())
    accepted = "是/否, true/false, 1/0, Y/N"
    return out, [(row, f"expected yes or no ({accepted}), got {quote_cell(text)}")
                 for row, text in raw[bad].items()]


# -- numbers ----------------------------------------------------------------------------------
def _empty(raw: pd.Series) -> pd.Series:
    """Empty cells and placeholders (``-``, ``--``...): no value."""
    return pd.Series(placeholder(arrow_text(raw)), index=raw.index)


def placeholder(text: pa.Array) -> np.ndarray:
    """Cells that are empty or only a placeholder."""
    return bools(pc.is_in(text, value_set=pa.array(("", *PLACEHOLDERS), TEXT)))


def _number(raw: pd.Series, type_: str, negate: bool,
            decimal: str = ".") -> tuple[np.ndarray, Problems]:
    """Numbers of a whole column at once (:func:`_numbers_at_once`); the cells that path does not
    take, bad ones among them, one by one (:func:`_numbers_one_by_one`), which words errors."""
    if len(raw) < _AT_ONCE_FROM:
        return _numbers_one_by_one(raw, type_, negate, decimal)
    out = np.full(len(raw), None, dtype=object)
    at = np.flatnonzero(~_empty(raw).to_numpy())
    if not len(at):
        return out, []
    done, numbers = _numbers_at_once(raw.iloc[at], type_, negate, decimal)
    out[at[done]] = numbers
    rest = at[~done]
    if not len(rest):
        return out, []
    out[rest], problems = _numbers_one_by_one(raw.iloc[rest], type_, negate, decimal)
    return out, problems


_AT_ONCE_FROM = 64
"""Fewer cells (a value written in a profile, a small file) are read one by one: quicker."""
_FAST_TEXT = r"^[\x09-\x0d\x1c-\x7e¥元]*$"
"""Text (after NFKC) whose every character means the same to Arrow's RE2 as to Python's re:
ASCII, the yen sign and 元 (other text is read one by one)."""
_FAST_NOISE = r"[¥$\x09-\x0d\x1c-\x20]|元|(?i:rmb|cny)"
"""``_NOISE`` on such text, where Python's whitespace is tab to carriage return, 1c-1f, space."""
_FAST_NUMBER = (r"^(?P<sign>[+-]?)(?:(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
                r"(?:\.(?P<frac>[0-9]*))?|\.(?P<frac2>[0-9]+))$")
"""``_NUMBER`` without an exponent, its parts captured."""
_FAST_DIGITS = 18
"""Whole numbers of up to 18 digits fit in int64 (the scale's digits included)."""


def _numbers_at_once(raw: pd.Series, type_: str, negate: bool,
                     decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """(the cells taken, their values) for the plain numbers of a column, in Arrow: digits with
    thousand separators, a sign, currency signs and words, full-width forms, accounting
    parentheses, rounded half up to the scale. A cell is taken only when its value is certainly
    the one :func:`_numbers_one_by_one` gives: no exponent, at most 18 digits before the point
    and 28 in all (exact in Decimal's context), in range for the type."""
    text = _nfkc(arrow_text(raw))
    limits = _limits(type_)
    precision, scale = (_FAST_DIGITS, 0) if limits[0] == "int" else decimal_shape(type_)
    if precision > _FAST_DIGITS:
        return np.zeros(len(raw), dtype=bool), np.zeros(0, dtype=object)
    taken = np.zeros(len(raw), dtype=bool)
    scaled = np.zeros(len(raw), dtype=np.int64)
    # Most cells are bare digits (-12.5), with no more decimals than the scale: a float64 holds
    # them exactly enough (15 digits) to give the scaled whole number by rounding.
    plain = np.zeros(len(raw), dtype=bool)
    if scale < 15:
        plain = bools(pc.match_substring_regex(text, _plain_number(scale, decimal)))
    if plain.any():
        digits = pc.filter(text, pa.array(plain))
        if decimal == ",":
            digits = pc.replace_substring(digits, ",", ".")
        number = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
        scaled[plain] = np.rint(number * 10.0 ** scale).astype(np.int64)
        taken |= plain
    rest = ~plain
    if rest.any():
        done, values = _numbers_by_parts(pc.filter(text, pa.array(rest)), scale,
                                         limits[0] == "int", decimal)
        at = np.flatnonzero(rest)
        scaled[at[done]] = values
        taken[at[done]] = True
    if negate:
        scaled = -scaled
    if limits[0] == "int":
        taken &= (scaled >= limits[1]) & (scaled <= limits[2])
        return taken, scaled[taken].astype(object)
    taken &= np.abs(scaled) < 10 ** precision  # else "too large", worded one by one
    distinct, inverse = np.unique(scaled[taken], return_inverse=True)
    shaped = np.array([Decimal(int(v)).scaleb(-scale) for v in distinct.tolist()], dtype=object)
    return taken, shaped[inverse.reshape(-1)]


def _plain_number(scale: int, decimal: str) -> str:
    """Bare digits with at most ``scale`` decimals and 15 digits in all."""
    point = re.escape(decimal)
    whole = 15 - scale
    fraction = rf"(?:{point}[0-9]{{0,{scale}}})?" if scale else ""
    tail = rf"|[+-]?{point}[0-9]{{1,{scale}}}" if scale else ""
    return rf"^(?:[+-]?[0-9]{{1,{whole}}}{fraction}{tail})$"


def _numbers_by_parts(text: pa.Array, scale: int, whole_only: bool,
                      decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """(the cells taken, their value times 10**scale, signed): the other plain numbers, taken
    apart into sign, digits and decimals; decimals beyond the scale round half up, as invoices
    do (Decimal's ROUND_HALF_UP), not half-even: the next digit decides."""
    taken = bools(pc.match_substring_regex(text, _FAST_TEXT))
    text = pc.replace_substring_regex(text, _FAST_NOISE, "")
    if decimal == ",":  # 1.234,56 -> 1,234.56
        text = pc.replace_substring(text, ".", "\x00")
        text = pc.replace_substring(pc.replace_substring(text, ",", "."), "\x00", ",")
    parens = pc.match_substring_regex(text, r"^\(.+\)$")  # accounting style: (12.30) is -12.30
    text = pc.if_else(parens, pc.utf8_slice_codeunits(text, 1, -1), text)
    parts = pc.extract_regex(text, _FAST_NUMBER)
    taken &= bools(parts.is_valid())

    def part(name: str) -> pa.Array:
        return pc.struct_field(parts, name).fill_null("")

    whole = pc.replace_substring(part("int"), ",", "")
    fraction = pc.if_else(pc.equal(part("frac2"), ""), part("frac"), part("frac2"))
    whole_digits = pc.utf8_length(whole).to_numpy()
    taken &= (whole_digits + scale <= _FAST_DIGITS) & (
        whole_digits + pc.utf8_length(fraction).to_numpy() <= 28)
    if whole_only:
        taken &= bools(pc.match_substring_regex(fraction, "^0*$"))  # 3.00 is 3, 3.5 is not
    whole = pc.if_else(pc.equal(whole, ""), "0", whole)
    negative = bools(pc.equal(part("sign"), "-")) ^ bools(parens)
    chosen = pa.array(taken)
    scaled = _int64(pc.filter(whole, chosen)) * 10 ** scale
    padded = pc.utf8_rpad(fraction, width=scale + 1, padding="0")
    if scale:
        scaled += _int64(pc.filter(pc.utf8_slice_codeunits(padded, 0, scale), chosen))
    if not whole_only:
        scaled += _int64(pc.filter(pc.utf8_slice_codeunits(padded, scale, scale + 1),
                                   chosen)) >= 5
    return taken, np.where(negative[taken], -scaled, scaled)


def _int64(digits: pa.Array) -> np.ndarray:
    return pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)


def _folded(raw: pd.Series) -> pd.Series:
    """NFKC, stripped, and every run of whitespace one space: what ``raw.str.normalize("NFKC")
    .str.strip().str.replace(r"\\s+", " ", regex=True)`` gives, without Python's re per cell."""
    text = text_series(_nfkc(arrow_text(raw)), raw.index).str.strip()
    return text_series(pc.replace_substring_regex(arrow_text(text), RE2_SPACE + "+", " "),
                      raw.index)


def _nfkc(text: pa.Array) -> pa.Array:
    """NFKC as Python's ``unicodedata`` does it. ASCII is its own NFKC, so only the distinct
    texts with other characters are normalised."""
    other = pc.invert(pc.string_is_ascii(text))
    if not pc.any(other).as_py():
        return text
    codes = pc.dictionary_encode(pc.filter(text, other))
    normal = pa.array([unicodedata.normalize("NFKC", t) for t in codes.dictionary.to_pylist()],
                      TEXT)
    return pc.replace_with_mask(text, other, normal.take(codes.indices))


def _numbers_one_by_one(raw: pd.Series, type_: str, negate: bool,
                        decimal: str = ".") -> tuple[np.ndarray, Problems]:
    """Each cell read with Python's Decimal; the reference for every number and error."""
    out = np.full(len(raw), None, dtype=object)
    todo = ~_empty(raw)
    if not todo.any():
        return out, []
    text = raw[todo].str.normalize("NFKC").str.replace(_NOISE, "", regex=True)
    if decimal == ",":  # 1.234,56 -> 1,234.56
        text = text.str.translate(str.maketrans({".": ",", ",": "."}))
    parens = text.str.fullmatch(_PARENS)  # accounting style: (12.30) is -12.30
    text = text.where(~parens, text.str.slice(1, -1))
    ok = text.str.fullmatch(_NUMBER)
    clean = text.str.replace(",", "", regex=False).str.lstrip("+")

    limits = _limits(type_)
    example = "1234,56" if decimal == "," else "1234.56"
    problems: Problems = []
    positions = np.flatnonzero(todo.to_numpy())
    cache: dict[tuple[str, bool], object] = {}
    for pos, row, original, number, flip, good in zip(
            positions, raw.index[todo], raw[todo], clean, parens, ok, strict=True):
        if not good:
            problems.append((row, f"expected a number, got {quote_cell(original)} "
                                  f"(like {example})"))
            continue
        key = (number, bool(flip) != negate)
        if key not in cache:
            cache[key] = _to_number(number, key[1], limits)
        value = cache[key]
        if isinstance(value, str):  # an error message
            number = "a number" if looks_personal(original) else f"number {original!r}"
            problems.append((row, value.format(original=quote_cell(original), number=number,
                                               type_=type_)))
        else:
            out[pos] = value
    return out, problems


def _limits(type_: str) -> tuple:
    """("int", low, high) or ("decimal", quantum, exclusive upper bound of the magnitude)."""
    if kind(type_) == "int":
        return ("int", *_INT_RANGE.get(type_.strip().upper(), _INT_RANGE["BIGINT"]))
    precision, scale = decimal_shape(type_)
    return "decimal", Decimal(1).scaleb(-scale), Decimal(10) ** (precision - scale)


def _to_number(text: str, flip: bool, limits: tuple) -> object:
    """One number, or an error message template (a str) with the cell quoted as ``original``
    (by :func:`recon_lib.privacy.quote_cell`) or as ``number``."""
    too_large = "{number} is too large for {type_}"
    try:
        value = -Decimal(text) if flip else Decimal(text)
        if limits[0] == "int":
            if value != value.to_integral_value():
                return "expected a whole number, got {original} (like 3)"
            value = int(value)
            return value if limits[1] <= value <= limits[2] else too_large
        # Money rounds half up, as invoices do, not half-even.
        value = value.quantize(limits[1], rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return too_large
    if abs(value) >= limits[2]:
        return too_large
    return value.copy_abs() if value == 0 else value  # no -0.00


# -- dates and timestamps ---------------------------------------------------------------------
def _has_year(fmt: str) -> bool:
    return "%Y" in fmt or "%y" in fmt


def _example(fmt: str) -> str:
    return datetime(2026, 10, 5, 13, 45).strftime(fmt).strip()


def _date_message(k: str, formats: tuple[str, ...], original: str) -> str:
    examples = [_example(f) for f in formats]
    examples += ["2026-10-05"] if k == "date" else ["2026-10-05", "2026-10-05 13:45:00"]
    return f"expected a date like {' or '.join(dict.fromkeys(examples))}, got {quote_cell(original)}"


def _temporal(raw: pd.Series, k: str, formats: tuple[str, ...], period: Period | None,
              timezone: str | None = None) -> tuple[np.ndarray, Problems]:
    """Dates or times, each distinct text parsed once when texts repeat (a date column)."""
    if len(raw) < _AT_ONCE_FROM:
        return _temporal_rows(raw, k, formats, period, timezone)
    codes, distinct = pd.factorize(raw)
    if 2 * len(distinct) > len(raw):
        return _temporal_rows(raw, k, formats, period, timezone)
    parsed, found = _temporal_rows(pd.Series(distinct, dtype="str"), k, formats, period,
                                   timezone)
    problems: Problems = []
    if found:
        message = dict(found)
        bad = np.isin(codes, list(message))
        problems = [(row, message[code]) for row, code in
                    zip(raw.index[bad], codes[bad].tolist(), strict=True)]
    return parsed[codes], problems


def _temporal_rows(raw: pd.Series, k: str, formats: tuple[str, ...], period: Period | None,
                   timezone: str | None = None) -> tuple[np.ndarray, Problems]:
    todo = ~_empty(raw)
    # Bank exports pad between date and time ("2025/12/05  20:37:39"): one space is enough.
    text = _folded(raw[todo])
    found = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    local = pd.Series(False, index=text.index)  # already Asia/Shanghai (the text had a zone)
    messages: dict[object, str] = {}

    def left() -> pd.Series:
        return text[found.isna() & ~text.index.isin(list(messages))]

    plain = tuple(f for f in formats if "%z" not in f and "%Z" not in f)
    for fmt in formats:
        rest = left()
        if rest.empty:
            break
        if fmt not in plain:
            parsed = _strptime(rest, fmt)
            found.update(parsed)
            local[parsed.index] = True
        elif _has_year(fmt):
            found.update(_strptime(rest, fmt))
        else:
            dated, errors = _yearless(rest, fmt, period)
            found.update(dated)
            messages.update(errors)
    rest = left()
    if not rest.empty:
        parts = _zoned_parts(rest)
        parts = parts[~parts["zone"].isin(("AM", "PM"))]
        if timezone is not None:  # a name we do not know is the column's own zone (CST...)
            unknown = parts["zone"].map(zone_offset).isna()
            text.update(parts.loc[unknown, "base"])
            parts = parts[~unknown]
        if not parts.empty:
            converted, errors = _zoned(parts["base"], parts["zone"], plain)
            found.update(converted)
            local[converted.index] = True
            messages.update(errors)
    for fmt in BUILTIN_FORMATS:
        rest = left()
        if rest.empty:
            break
        found.update(_strptime(rest, fmt))
    rest = left()
    if not rest.empty:
        found.update(_excel_serial(rest[rest.str.fullmatch(_SERIAL)]))
    if timezone is not None:
        naive = found[found.notna() & ~local]
        if not naive.empty:
            converted = _to_local(naive, timezone)
            found.update(converted)
            for row in naive.index.difference(converted.index):
                found[row] = pd.NaT
                messages[row] = (f"{quote_cell(text[row])} does not exist or is ambiguous in time zone "
                                 f"{timezone} (a daylight-saving change)")

    unit = "datetime64[D]" if k == "date" else "datetime64[us]"
    out = np.full(len(raw), None, dtype=object)
    out[todo.to_numpy()] = found.to_numpy(dtype="datetime64[us]").astype(unit).astype(object)
    problems: Problems = []
    for row, original in raw[todo][found.isna().to_numpy()].items():
        problems.append((row, messages.get(row) or _date_message(k, formats, original)))
    return out, problems


_ZONED_ASCII = (r"^.*[0-9]:[0-9][0-9](?::[0-9][0-9](?:\.[0-9]+)?)? *"
                r"(?:[+-][0-9][0-9]:?[0-9][0-9]|[A-Z]{1,5})$")
"""``_ZONED`` for Arrow's RE2 on ASCII text folded by :func:`_folded` (whose only whitespace is
the space): there the two find the same."""


def _zoned_parts(text: pd.Series) -> pd.DataFrame:
    """``text.str.extract(_ZONED).dropna()`` (base and zone of the times that carry a zone),
    with Python's re only where Arrow's RE2 may not say the same or finds the pattern."""
    folded = arrow_text(text)
    maybe = ~bools(pc.string_is_ascii(folded)) | bools(
        pc.match_substring_regex(folded, _ZONED_ASCII))
    return text[maybe].str.extract(_ZONED).dropna()


def _strptime(text: pd.Series, fmt: str) -> pd.Series:
    zoned = "%z" in fmt or "%Z" in fmt
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=zoned)
    if zoned:
        parsed = parsed.dt.tz_convert(config.LOCAL_TIMEZONE).dt.tz_localize(None)
    return parsed.astype("datetime64[us]").dropna()


def _to_local(naive: pd.Series, timezone: str) -> pd.Series:
    """Wall-clock times of ``timezone`` as Asia/Shanghai wall-clock times (NaT dropped)."""
    zoned = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    local = zoned.dt.tz_convert(config.LOCAL_TIMEZONE).dt.tz_localize(None)
    return local.astype("datetime64[us]").dropna()


def _zoned(base: pd.Series, zone: pd.Series,
           formats: tuple[str, ...]) -> tuple[pd.Series, dict[object, str]]:
    """Times followed by an offset or a zone name, as Asia/Shanghai wall-clock times.

    The time before the zone is read like any other (the profile's formats first), then moved
    from its zone to Asia/Shanghai.
    """
    offsets = zone.map(zone_offset)
    errors = {row: (f"unknown time zone {name!r} in {quote_cell(base[row] + ' ' + name)}: give the "
                    "profile's column a timezone (an IANA name such as America/Chicago)")
              for row, name in zone[offsets.isna()].items()}
    base = base[offsets.notna()]
    naive = pd.Series(pd.NaT, index=base.index, dtype="datetime64[us]")
    for fmt in (*(f for f in formats if _has_year(f)), *BUILTIN_FORMATS):
        rest = base[naive.isna()]
        if rest.empty:
            break
        naive.update(_strptime(rest, fmt))
    rest = base[naive.isna()]
    if not rest.empty:  # e.g. 2026-10-05T10:00:00.123456789: slower, per value
        naive.update(pd.to_datetime(rest, format="mixed", errors="coerce").astype(
            "datetime64[us]").dropna())
    naive = naive.dropna()
    utc = naive - pd.to_timedelta(offsets[naive.index].astype("int64"), unit="min")
    local = utc.dt.tz_localize("UTC").dt.tz_convert(config.LOCAL_TIMEZONE).dt.tz_localize(None)
    return local.astype("datetime64[us]"), errors


def _excel_serial(text: pd.Series) -> pd.Series:
    """Excel day numbers (days since 1899-12-30; the fraction is the time of day)."""
    days = pd.to_numeric(text, errors="coerce")
    days = days[(days >= SERIAL_RANGE[0]) & (days < SERIAL_RANGE[1])]
    stamps = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    return stamps.dt.round("s").astype("datetime64[us]")


def _yearless(text: pd.Series, fmt: str,
              period: Period | None) -> tuple[pd.Series, dict[object, str]]:
    """Dates such as ``10-05`` get the period's year, or the year before if far in the future."""
    # 2000 is a leap year, so 02-29 parses here and is checked against the real year below.
    parsed = pd.to_datetime("2000|" + text, format="%Y|" + fmt, errors="coerce").dropna()
    dated: dict[object, datetime] = {}
    if period is None:
        return pd.Series(dated, dtype="datetime64[us]"), {
            row: f"{quote_cell(text[row])} has no year and no period was given to take it from"
            for row in parsed.index}
    errors: dict[object, str] = {}
    horizon = datetime.combine(period.end, datetime.min.time()) + YEARLESS_LOOKAHEAD
    year = period.last_day.year
    for row, stamp in parsed.items():
        value = stamp.to_pydatetime()
        for candidate_year in (year, year - 1):
            try:
                candidate = value.replace(year=candidate_year)
            except ValueError:  # 02-29 outside a leap year
                continue
            if candidate <= horizon:
                dated[row] = candidate
                break
        else:
            errors[row] = f"{quote_cell(text[row])} is not a valid date in {year}"
    return pd.Series(dated, dtype="datetime64[us]"), errors
