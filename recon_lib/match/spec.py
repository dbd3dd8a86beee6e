"""Match specifications: what two record sets are, how they pair and what counts as agreeing.

Every class is a frozen dataclass validated at construction; a bad value raises ``SpecError``
(a ``ValueError``, also catchable as ``TypeError``) whose message starts with the field, e.g.
``compare[0].left: column 'qtty' is not a column of left side 'v_lines' (columns: ...)``.
Identifiers (relations, columns) are checked against a strict regex here, so the SQL builder can
place them in queries; every value (tolerances, windows, reason codes, labels) is bound as a
parameter when the spec runs. See ``docs/matching.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

from recon_lib.reasons import REASONS

Kind = Literal["number", "text", "date"]
Cardinality = Literal["one_to_one", "one_to_many", "many_to_one"]
NormalizeStep = Literal["trim", "upper", "fullwidth", "leading_zeros"]
Mode = Literal["keyed", "unkeyed"]
IfMissing = Literal["mismatch", "skip"]

KINDS: tuple[str, ...] = get_args(Kind)
CARDINALITIES: tuple[str, ...] = get_args(Cardinality)
NORMALIZE_STEPS: tuple[str, ...] = get_args(NormalizeStep)
"""Also the order the steps are applied in, whatever order a spec lists them in."""
MODES: tuple[str, ...] = get_args(Mode)
IF_MISSING: tuple[str, ...] = get_args(IfMissing)

STATES: tuple[str, ...] = (
    "matched",
    "matched_tolerance",
    "mismatched",
    "missing_left",
    "missing_right",
    "duplicate",
    "unresolved",
)
"""Every state a record can end in; ``unresolved`` only occurs in unkeyed mode."""
AGREEING_STATES: tuple[str, ...] = ("matched", "matched_tolerance")
EXCEPTION_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in AGREEING_STATES)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


class SpecError(ValueError, TypeError):
    """A spec refused at construction. The message starts with the field it concerns.

    It is a ``ValueError``, and also a ``TypeError`` so wrong types can be caught as such.
    """


# -- small checks, each raising with the field name first ------------------------------------------
def _fail(where: str, message: str) -> None:
    raise SpecError(f"{where}: {message}")


def _check_ident(where: str, value: Any) -> str:
    if not isinstance(value, str):
        _fail(where, f"must be a column name (str), got {type(value).__name__} {value!r}")
    if not _IDENT.match(value):
        _fail(where, f"{value!r} is not a plain SQL identifier (letters, digits, underscore)")
    return value


def _as_tuple(where: str, value: Any) -> tuple:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        _fail(where, f"must be a tuple, got {type(value).__name__} {value!r}")
    return tuple(value)


def _check_reason(where: str, code: Any) -> None:
    if code is None:
        return
    if not isinstance(code, str):
        _fail(where, f"must be a reason code (str) or None, got {type(code).__name__}")
    if code not in REASONS:
        _fail(where, f"unknown reason code {code!r} (known: {', '.join(REASONS)})")


def _check_timedelta(where: str, value: Any) -> None:
    if not isinstance(value, timedelta):
        _fail(where, f"must be a datetime.timedelta, got {type(value).__name__} {value!r}")
    if value < timedelta(0):
        _fail(where, f"must not be negative, got {value}")


def _to_decimal(where: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        _fail(where, f"must be a number, got {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        _fail(where, f"must be finite, got {value}")
    try:
        dec = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str(float) always parses
        _fail(where, f"cannot be read as a number: {value!r}")
    if not dec.is_finite():
        _fail(where, f"must be finite, got {value}")
    if dec < 0:
        _fail(where, f"must not be negative, got {value}")
    return dec


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


# -- the spec ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Side:
    """One of the two record sets: a table or view and the columns the spec may use.

    ``label`` is the plain-language noun used in explanations ("shipment line"); it defaults to
    the relation name.
    """

    relation: str
    keys: tuple[str, ...]
    columns: tuple[str, ...]
    id: str
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.relation, str) or not _RELATION.match(self.relation):
            _fail("relation", f"{self.relation!r} is not a table or view name ([schema.]name)")
        _set(self, "columns", _as_tuple("columns", self.columns))
        if not self.columns:
            _fail("columns", "must list at least one column")
        for i, col in enumerate(self.columns):
            _check_ident(f"columns[{i}]", col)
        if len(set(self.columns)) != len(self.columns):
            _fail("columns", f"lists a column twice: {self.columns}")
        _set(self, "keys", _as_tuple("keys", self.keys))
        for i, key in enumerate(self.keys):
            self._check_column(f"keys[{i}]", key)
        if len(set(self.keys)) != len(self.keys):
            _fail("keys", f"lists a key column twice: {self.keys}")
        self._check_column("id", self.id)
        if not isinstance(self.label, str):
            _fail("label", f"must be a str, got {type(self.label).__name__}")
        if not self.label.strip():
            _set(self, "label", self.relation)

    def _check_column(self, where: str, col: Any) -> None:
        _check_ident(where, col)
        if col not in self.columns:
            _fail(where, f"column {col!r} is not among columns {self.columns}")

    def require(self, where: str, col: Any, role: str) -> None:
        """Raise naming ``where`` unless ``col`` is one of this side's columns."""
        _check_ident(where, col)
        if col not in self.columns:
            _fail(
                where,
                f"column {col!r} is not a column of {role} side {self.relation!r} "
                f"(columns: {', '.join(self.columns)})",
            )


@dataclass(frozen=True)
class Tolerance:
    """Two numbers agree when ``|left - right| <= abs + rel * |right|`` (inclusive at the bound).

    For ``kind="date"`` comparisons ``abs`` is a ``timedelta`` and ``rel`` must be 0.
    Numbers are stored as ``Decimal`` (a float is read through ``str``: ``0.1`` is exactly 0.1).
    """

    abs: Decimal | float | int | timedelta = 0
    rel: Decimal | float | int = 0

    def __post_init__(self) -> None:
        if isinstance(self.abs, timedelta):
            _check_timedelta("abs", self.abs)
        else:
            _set(self, "abs", _to_decimal("abs", self.abs))
        _set(self, "rel", _to_decimal("rel", self.rel))

    @property
    def is_duration(self) -> bool:
        return isinstance(self.abs, timedelta)

    def within(self, left: Decimal, right: Decimal) -> bool:
        """The numeric rule in Python (used by the unkeyed group search)."""
        if self.is_duration:
            raise TypeError("a duration tolerance has no numeric rule")
        return abs(right - left) <= self.abs + self.rel * abs(right)


ZERO = Tolerance()


@dataclass(frozen=True)
class Compare:
    """Compare ``left`` (a column of the left side) with ``right`` (of the right side).

    ``kind``: ``number`` (difference = right - left, with a tolerance), ``text`` (equal after the
    spec's key normalisation; no tolerance) or ``date`` (difference = right - left as a duration,
    tolerance a ``timedelta``). Beyond the tolerance the reason is ``reason_over`` when the right
    value is the larger, ``reason_under`` when it is the smaller, else (or when that one is not
    given, and for text or a value missing on one side) ``reason``. ``None`` tolerance: the spec's
    ``default_tolerance`` for numbers, exact for dates.

    ``if_missing``: what a value missing (NULL) on either side of a pair means. ``mismatch`` (the
    default): NULL on one side fails the comparison (status ``missing_value``, code ``reason``),
    NULL on both is equal. ``skip``: the comparison cannot be made on that pair (status
    ``unchecked``); it neither fails nor agrees, so the pair's state comes from its other checks.
    """

    left: str
    right: str | None = None
    tolerance: Tolerance | None = None
    reason_over: str | None = None
    reason_under: str | None = None
    reason: str | None = None
    kind: Kind = "number"
    if_missing: IfMissing = "mismatch"

    def __post_init__(self) -> None:
        _check_ident("left", self.left)
        if self.right is None:
            _set(self, "right", self.left)
        _check_ident("right", self.right)
        if self.kind not in KINDS:
            _fail("kind", f"must be one of {KINDS}, got {self.kind!r}")
        if self.tolerance is not None and not isinstance(self.tolerance, Tolerance):
            _fail("tolerance", f"must be a Tolerance or None, got {type(self.tolerance).__name__}")
        tol = self.tolerance
        if self.kind == "text":
            if tol is not None:
                _fail("tolerance", "text comparisons have no tolerance (they compare equal or not)")
            if self.reason_over or self.reason_under:
                _fail("reason_over", "text comparisons have no direction; use reason")
        elif self.kind == "date":
            if tol is not None and ((not tol.is_duration and tol.abs != 0) or tol.rel != 0):
                _fail("tolerance", "a date comparison takes Tolerance(abs=timedelta(...)), rel 0")
            if tol is not None and not tol.is_duration:
                _set(self, "tolerance", Tolerance(abs=timedelta(0)))
        elif tol is not None and tol.is_duration:
            _fail("tolerance", "a number comparison takes a numeric Tolerance, not a timedelta")
        for name in ("reason_over", "reason_under", "reason"):
            _check_reason(name, getattr(self, name))
        if self.if_missing not in IF_MISSING:
            _fail("if_missing", f"must be one of {IF_MISSING}, got {self.if_missing!r}")

    @property
    def name(self) -> str:
        """How the comparison is named in explanations: ``qty`` or ``qty/qty_shipped``."""
        return self.left if self.left == self.right else f"{self.left}/{self.right}"


@dataclass(frozen=True)
class DateWindow:
    """Pairs must have ``right - left`` within ``[-before, +after]`` (inclusive).

    Keyed mode: a pair outside the window (or with either date missing) is ``mismatched`` with
    ``reason``. Unkeyed mode: only records inside the window are candidates.
    """

    left: str
    right: str
    before: timedelta = timedelta(0)
    after: timedelta = timedelta(0)
    reason: str | None = None

    def __post_init__(self) -> None:
        _check_ident("left", self.left)
        _check_ident("right", self.right)
        _check_timedelta("before", self.before)
        _check_timedelta("after", self.after)
        _check_reason("reason", self.reason)


@dataclass(frozen=True)
class MatchSpec:
    """A reconciliation of two record sets. See ``docs/matching.md`` for every option.

    ``mode="keyed"`` (default) pairs records by their normalised keys; ``mode="unkeyed"`` finds,
    for each record of the "one" side, a group of up to ``max_group`` records of the "many" side
    inside the date window whose amounts (the single number comparison) sum to it, searching
    only when there are at most ``max_candidates`` candidates. In unkeyed mode keys are optional
    and, when given, only records with equal keys are candidates.
    """

    name: str
    left: Side
    right: Side
    compare: tuple[Compare, ...] = ()
    default_tolerance: Tolerance = ZERO
    window: DateWindow | None = None
    cardinality: Cardinality = "one_to_one"
    normalize: tuple[NormalizeStep, ...] = ("trim",)
    reason_missing_left: str | None = None
    reason_missing_right: str | None = None
    reason_duplicate_left: str | None = None
    reason_duplicate_right: str | None = None
    amount: str | None = None
    mode: Mode = "keyed"
    max_candidates: int = 12
    max_group: int = 6

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            _fail("name", f"must be a non-empty str, got {self.name!r}")
        for side in ("left", "right"):
            if not isinstance(getattr(self, side), Side):
                _fail(side, f"must be a Side, got {type(getattr(self, side)).__name__}")
        if self.mode not in MODES:
            _fail("mode", f"must be one of {MODES}, got {self.mode!r}")
        if self.cardinality not in CARDINALITIES:
            _fail("cardinality", f"must be one of {CARDINALITIES}, got {self.cardinality!r}")
        self._check_keys()
        self._check_compare()
        if not isinstance(self.default_tolerance, Tolerance) or self.default_tolerance.is_duration:
            _fail("default_tolerance", "must be a numeric Tolerance")
        if self.window is not None:
            if not isinstance(self.window, DateWindow):
                _fail("window", f"must be a DateWindow, got {type(self.window).__name__}")
            self.left.require("window.left", self.window.left, "left")
            self.right.require("window.right", self.window.right, "right")
        self._check_normalize()
        for f in fields(self):
            if f.name.startswith("reason_"):
                _check_reason(f.name, getattr(self, f.name))
        if self.amount is not None:
            _check_ident("amount", self.amount)
            if self.amount not in self.left.columns and self.amount not in self.right.columns:
                _fail(
                    "amount",
                    f"column {self.amount!r} is a column of neither side "
                    f"(left: {', '.join(self.left.columns)}; right: {', '.join(self.right.columns)})",
                )
        for name in ("max_candidates", "max_group"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                _fail(name, f"must be an int, got {type(value).__name__} {value!r}")
            if value < 1:
                _fail(name, f"must be at least 1, got {value}")
        if self.mode == "unkeyed":
            self._check_unkeyed()

    def _check_keys(self) -> None:
        lk, rk = self.left.keys, self.right.keys
        if self.mode == "keyed":
            for side, keys in (("left", lk), ("right", rk)):
                if not keys:
                    _fail(f"{side}.keys", "must name at least one key column in keyed mode")
        if len(lk) != len(rk):
            _fail("right.keys", f"has {len(rk)} columns but left.keys has {len(lk)}: {lk} vs {rk}")

    def _check_compare(self) -> None:
        _set(self, "compare", _as_tuple("compare", self.compare))
        for i, cmp in enumerate(self.compare):
            if not isinstance(cmp, Compare):
                _fail(f"compare[{i}]", f"must be a Compare, got {type(cmp).__name__}")
            self.left.require(f"compare[{i}].left", cmp.left, "left")
            self.right.require(f"compare[{i}].right", cmp.right, "right")

    def _check_normalize(self) -> None:
        _set(self, "normalize", _as_tuple("normalize", self.normalize))
        for i, step in enumerate(self.normalize):
            if step not in NORMALIZE_STEPS:
                _fail(f"normalize[{i}]", f"unknown step {step!r} (known: {NORMALIZE_STEPS})")
        if len(set(self.normalize)) != len(self.normalize):
            _fail("normalize", f"lists a step twice: {self.normalize}")

    def _check_unkeyed(self) -> None:
        if self.window is None:
            _fail("window", "unkeyed mode needs a date window (it bounds the candidates)")
        numbers = [c for c in self.compare if c.kind == "number"]
        if len(self.compare) != 1 or len(numbers) != 1:
            _fail("compare", "unkeyed mode takes exactly one number comparison (the amount summed)")

    # -- derived ----------------------------------------------------------------------------------
    @property
    def many_side(self) -> str | None:
        """Which side is aggregated: ``left`` (many_to_one), ``right`` (one_to_many) or None."""
        return {"many_to_one": "left", "one_to_many": "right"}.get(self.cardinality)

    @property
    def group_limit(self) -> int:
        """Largest group the unkeyed search builds: ``max_group``, or 1 for one_to_one."""
        return 1 if self.cardinality == "one_to_one" else self.max_group

    def tolerance_for(self, cmp: Compare) -> Tolerance:
        if cmp.tolerance is not None:
            return cmp.tolerance
        if cmp.kind == "date":
            return Tolerance(abs=timedelta(0))
        return self.default_tolerance

    def normalize_steps(self) -> tuple[str, ...]:
        """The listed steps in the order they are applied."""
        return tuple(s for s in NORMALIZE_STEPS if s in self.normalize)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings, timedeltas as seconds. Inverse of :meth:`from_dict`."""
        return _to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchSpec:
        d = dict(data)
        d["left"], d["right"] = Side(**d["left"]), Side(**d["right"])
        d["compare"] = tuple(_compare_from(c) for c in d.get("compare", ()))
        if "default_tolerance" in d:
            d["default_tolerance"] = _tolerance_from(d["default_tolerance"], False)
        if d.get("window") is not None:
            w = dict(d["window"])
            for k in ("before", "after"):
                if k in w:
                    w[k] = timedelta(seconds=w[k])
            d["window"] = DateWindow(**w)
        if "normalize" in d:
            d["normalize"] = tuple(d["normalize"])
        return cls(**d)


def _to_plain(obj: Any) -> Any:
    if isinstance(obj, Tolerance):
        abs_ = obj.abs.total_seconds() if obj.is_duration else str(obj.abs)
        return {
            "abs": abs_,
            "rel": str(obj.rel),
            "unit": "seconds" if obj.is_duration else "number",
        }
    if hasattr(obj, "__dataclass_fields__"):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple | list):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, timedelta):
        return obj.total_seconds()
    if isinstance(obj, Decimal):
        return str(obj)
    return obj


def _tolerance_from(d: dict[str, Any] | None, duration: bool) -> Tolerance | None:
    if d is None:
        return None
    if d.get("unit") == "seconds" or duration:
        return Tolerance(abs=timedelta(seconds=float(d["abs"])), rel=Decimal(d.get("rel", "0")))
    return Tolerance(abs=Decimal(str(d["abs"])), rel=Decimal(str(d.get("rel", "0"))))


def _compare_from(d: dict[str, Any]) -> Compare:
    d = dict(d)
    d["tolerance"] = _tolerance_from(d.get("tolerance"), d.get("kind") == "date")
    return Compare(**d)


__all__ = [
    "AGREEING_STATES",
    "CARDINALITIES",
    "EXCEPTION_STATES",
    "IF_MISSING",
    "KINDS",
    "NORMALIZE_STEPS",
    "STATES",
    "Compare",
    "DateWindow",
    "MatchSpec",
    "Side",
    "SpecError",
    "Tolerance",
]
