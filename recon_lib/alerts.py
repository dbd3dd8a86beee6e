"""Alerts: thresholds a finance team sets once, checked on every period run.

A rules file (YAML, see ``docs/alerts.md``) lists rules; each has a kind (what is measured), a
threshold, a severity and optionally a scope (a carrier or a channel). :func:`load_rules` reads
and validates the file, reporting every problem at once with the file, the line, the rule and
what was expected; :func:`evaluate` measures each rule on a period with named queries
(``sql/alerts_*.sql``) and the analytics functions, and returns one :class:`Alert` per rule and
subject (a rule on every carrier gives one alert per carrier); :func:`write_json` writes them to
``reports/<period>/alerts.json``.

A value exactly at its threshold does not breach: "above" kinds breach when the value is greater
than the threshold, "below" kinds when it is smaller. Values are rounded first (money to the
cent, shares to 6 decimals), so "exactly at" means what the reader sees.

Only the period's bounds and, for stored findings, its label are used: the rules work the same on
a month, a week or a day. Nothing here reads customers' personal data.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from recon_lib import analytics, config
from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.coverage import Coverage
from recon_lib.db import Database
from recon_lib.errors import SEVERITIES, InputError, Problem
from recon_lib.formats import yuan
from recon_lib.periods import Period
from recon_lib.register import SHEET as REGISTER_SHEET
from recon_lib.report.claims import workbook_name
from recon_lib.report.exceptions import SHEET_NAMES, WORKBOOK
from recon_lib.schema import CARRIER_CODES, CHANNELS
from recon_lib.yaml_keys import read_yaml, unique_keys

log = logging.getLogger(__name__)


JSON_NAME = "alerts.json"
SHOWN = 5
"""Items (payouts, SKUs) listed in an alert's details."""
NAMED = 3
"""Of those, the ones named in the alert's message line."""


@dataclass(frozen=True)
class Kind:
    """What a rule kind measures: direction, unit, allowed scope and options, where the
    evidence is (a report section and an exceptions.xlsx sheet)."""

    name: str
    direction: str          # "above" or "below": the side of the threshold that breaches
    unit: str               # "CNY", "share", "days" or "count"
    scopes: tuple[str, ...]
    section: str            # reports/<period>/<section>.html
    sheet: str | None = None
    options: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    """``recon.check`` names the measure rests on: when one was not made (its data absent),
    the rule is not measured rather than measured on nothing (see recon_lib/coverage.py)."""
    built_in: bool = True
    """Whether the built-in rules (``recon_lib/alerts.yml``) measure it; a costly measure is
    there for a project's own rules file to ask for."""


KINDS: dict[str, Kind] = {k.name: k for k in (
    # claims against a courier (the period's freight findings except FRT_UNBILLED), yuan
    Kind("freight_overcharge", "above", "CNY", ("carrier",), "freight", SHEET_NAMES["freight"]),
    # the same claims as a share of what the courier billed in the period
    Kind("freight_overcharge_share", "above", "share", ("carrier",), "freight",
         SHEET_NAMES["freight"]),
    # refunds paid for goods not back when the return's window closed in the period, yuan
    Kind("refunds_not_received", "above", "CNY", ("channel",), "returns",
         SHEET_NAMES["returns"], checks=("returns.refunds",)),
    # days the most overdue payout still missing from the bank is past its deposit deadline
    Kind("payout_late", "above", "days", ("channel",), "payments", REGISTER_SHEET,
         checks=("payments.bank",)),
    # share of a courier's bill lines in the period with no freight finding
    Kind("billing_accuracy", "below", "share", ("carrier",), "freight", SHEET_NAMES["freight"]),
    # warehouse x SKU rows of top SKUs (ABC class A, or the top N by revenue) at or below
    # safety stock
    Kind("top_sku_low_stock", "above", "count", (), "inventory", options=("top",)),
    # delivered parcels delivered by the promised date (all, one channel or one carrier)
    Kind("on_time_rate", "below", "share", ("carrier", "channel"), "service"),
    # goods accepted more than 60 days before the period's end and still not invoiced, yuan
    Kind("grni_over_60_days", "above", "CNY", (), "purchase", checks=("purchase.grni",)),
    # invoices priced above their POs (PUR_PRICE_OVER findings of the period), yuan
    Kind("purchase_price_overrun", "above", "CNY", (), "purchase", "purchase",
         checks=("purchase.invoiced_ordered",)),
    # COD money still with the couriers at the period's end past the contract's days, yuan
    Kind("cod_overdue", "above", "CNY", ("carrier",), "cod", SHEET_NAMES["cod"],
         checks=("cod.remitted",)),
    # lost and damaged parcels past their claim deadline with nothing paid (CLM_NOT_COMPENSATED)
    Kind("claims_uncompensated", "above", "CNY", ("carrier",), "claims", SHEET_NAMES["claims"],
         checks=("claims.compensated",)),
    # what the period's parcels would have saved, each with its cheapest eligible courier
    # (carrier choice: every parcel re-priced under every courier's card), yuan. Not in the
    # built-in rules: it re-prices the month (about 15 s at a million orders).
    Kind("carrier_choice_saving", "above", "CNY", (), "carrier_choice", built_in=False),
)}

SCOPE_VALUES = {"carrier": CARRIER_CODES, "channel": CHANNELS}
COMMON_KEYS = ("name", "kind", "threshold", "severity")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Rule:
    """One validated rule. Build rules with :func:`parse_rules` / :func:`load_rules`; a rule
    constructed directly is validated too and raises :class:`InputError` when wrong."""

    name: str
    kind: str
    threshold: float
    severity: str
    carrier: str | None = None
    channel: str | None = None
    top: int | None = None
    source: str = ""  # "alerts.yml, line 12", for messages

    def __post_init__(self) -> None:
        raw = {k: v for k, v in (("carrier", self.carrier), ("channel", self.channel),
                                 ("top", self.top)) if v is not None}
        problems = _rule_problems({"name": self.name, "kind": self.kind,
                                   "threshold": self.threshold, "severity": self.severity, **raw})
        if problems:
            raise InputError(f"alert rule {self.name!r} is invalid",
                             [Problem(self.source or "rule", f"{key}: {msg}")
                              for key, msg in problems])

    @property
    def scope(self) -> dict[str, str]:
        return {k: v for k, v in (("carrier", self.carrier), ("channel", self.channel))
                if v is not None}


@dataclass(frozen=True)
class RuleSet:
    """The rules of one file, and which file they came from."""

    rules: tuple[Rule, ...]
    source: str


@dataclass(frozen=True)
class Alert:
    """One rule measured on one subject (a carrier, a channel or everything) in a period."""

    rule: str
    kind: str
    severity: str
    scope: dict[str, str]
    value: float | int | None
    threshold: float
    direction: str
    unit: str
    breached: bool
    message: str
    evidence: dict[str, str]
    details: dict = field(default_factory=dict)
    amount: float | None = None
    """The money the alert is about, in yuan (claims, refunds, payouts overdue at the bank);
    None for a rule about no money (on-time delivery, stock) or nothing measured."""

    def to_dict(self) -> dict:
        return {"rule": self.rule, "kind": self.kind, "severity": self.severity,
                "scope": dict(self.scope), "value": self.value, "threshold": self.threshold,
                "direction": self.direction, "unit": self.unit, "breached": self.breached,
                "amount": self.amount, "message": self.message,
                "evidence": dict(self.evidence), "details": self.details}

    def line(self) -> str:
        """One line for the command's output."""
        return f"ALERT {self.severity.upper()} {self.rule}: {self.message}"


# -- the rules file ---------------------------------------------------------------------------
class _Mapping(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    data = _Mapping()
    data.line, data.lines = node.start_mark.line + 1, {}
    yield data
    for key, key_node, value_node in unique_keys(loader, node):
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = key_node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def default_rules_path() -> Path:
    """The project's own ``alerts.yml`` when it exists, else the built-in default."""
    return config.ALERTS_FILE if config.ALERTS_FILE.is_file() else config.DEFAULT_ALERTS_FILE


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a rules file (default: :func:`default_rules_path`).

    Raises :class:`InputError` listing every problem (file, line, rule, what was expected).
    """
    path = Path(path) if path is not None else default_rules_path()
    data = read_yaml(path, _Loader, "alert rules")  # a SafeLoader that keeps line numbers
    rules = parse_rules(data, str(path))
    log.info("alerts: %d rule(s) from %s", len(rules), path)
    return RuleSet(rules, str(path))


def parse_rules(data, source: str = "alerts") -> tuple[Rule, ...]:
    """Validate the parsed content of a rules file; every problem is reported at once."""
    def at(node, key=None) -> str:
        line = None
        if isinstance(node, _Mapping):
            line = node.lines.get(key, node.line) if key is not None else node.line
        return f"{source}, line {line}" if line else source

    if not isinstance(data, dict) or "alerts" not in data:
        raise InputError(f"alert rules {source} are invalid", [Problem(
            at(data), "expected a mapping with an 'alerts' list, e.g. 'alerts:' followed by "
                      "'  - kind: payout_late'")])
    problems = [Problem(at(data, key), f"unknown top-level key {key!r}; expected only 'alerts'")
                for key in data if key != "alerts"]
    items = data["alerts"]
    if items is None:
        items = []
    if not isinstance(items, list):
        raise InputError(f"alert rules {source} are invalid", [Problem(
            at(data, "alerts"), "'alerts' must be a list of rules (each starting with '- '), "
                                f"got {'a mapping' if isinstance(items, dict) else repr(items)}")])
    rules, names = [], {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(at(data, "alerts"), f"rule {number}: expected a mapping "
                                    f"(kind, threshold, severity...), got {item!r}"))
            continue
        label = f"rule {number}" + (f" ({item['name']!r})" if isinstance(item.get("name"), str)
                                    else "")
        found = _rule_problems(item)
        problems += [Problem(at(item, key), f"{label}, {key}: {msg}") for key, msg in found]
        if found:
            continue
        name = item.get("name") or _default_name(item)
        if name in names:
            problems.append(Problem(at(item, "name" if "name" in item else None),
                                    f"{label}: name {name!r} is already used by rule "
                                    f"{names[name]}; give each rule its own 'name'"))
            continue
        names[name] = number
        rules.append(Rule(name=name, kind=item["kind"], threshold=float(item["threshold"]),
                          severity=item["severity"], carrier=item.get("carrier"),
                          channel=item.get("channel"), top=item.get("top"),
                          source=at(item)))
    if problems:
        raise InputError(f"alert rules {source} are invalid: nothing was run", problems)
    return tuple(rules)


def _default_name(item: dict) -> str:
    scope = [str(item[k]) for k in ("carrier", "channel") if item.get(k) is not None]
    return "-".join([item["kind"], *scope, item["severity"]])


def _is_number(value) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _rule_problems(item: dict) -> list[tuple[str, str]]:
    """(key, what is wrong) for one rule given as a mapping; empty when it is valid."""
    problems = []
    kind = KINDS.get(item.get("kind")) if isinstance(item.get("kind"), str) else None
    if "kind" not in item:
        problems.append(("kind", f"missing; expected one of {', '.join(KINDS)}"))
    elif kind is None:
        problems.append(("kind", f"unknown rule kind {item['kind']!r}; expected one of "
                                 f"{', '.join(KINDS)}"))
    allowed = (*COMMON_KEYS, *(kind.scopes + kind.options if kind else
                               ("carrier", "channel", "top")))
    for key in item:
        if key not in allowed:
            problems.append((key, f"unknown key {key!r} for kind {item.get('kind')!r}; expected "
                                  f"{', '.join(allowed)}"))
    name = item.get("name")
    if name is not None and not (isinstance(name, str) and name.strip()):
        problems.append(("name", f"expected a non-empty text, got {name!r}"))
    severity = item.get("severity")
    if severity is None:
        problems.append(("severity", f"missing; expected one of {', '.join(SEVERITIES)}"))
    elif severity not in SEVERITIES:
        problems.append(("severity", f"unknown severity {severity!r}; expected one of "
                                     f"{', '.join(SEVERITIES)}"))
    threshold = item.get("threshold")
    if threshold is None:
        problems.append(("threshold", "missing; expected a number"
                         + (f" ({_threshold_range(kind)})" if kind else "")))
    elif not _is_number(threshold):
        problems.append(("threshold", f"expected a number, got {threshold!r}"))
    elif threshold < 0:
        problems.append(("threshold", f"must not be negative, got {threshold!r}"))
    elif kind is not None and kind.unit == "share" and threshold > 1:
        problems.append(("threshold", f"{kind.name} is a share: expected 0 <= threshold <= 1 "
                                      f"(0.95 for 95 %), got {threshold!r}"))
    elif kind is not None and kind.unit == "count" and threshold != int(threshold):
        problems.append(("threshold", f"{kind.name} counts rows: expected a whole number, "
                                      f"got {threshold!r}"))
    for key, accepted in SCOPE_VALUES.items():
        value = item.get(key)
        if key in item and value not in accepted:
            problems.append((key, f"unknown {key} {value!r}; expected one of "
                                  f"{', '.join(accepted)}"))
    if "carrier" in item and "channel" in item:
        problems.append(("channel", "give a carrier or a channel, not both"))
    top = item.get("top")
    if "top" in item and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        problems.append(("top", f"expected a whole number of SKUs >= 1, got {top!r}"))
    return problems


def _threshold_range(kind: Kind) -> str:
    return {"CNY": "yuan, >= 0", "share": "a share, 0 to 1", "days": "days, >= 0",
            "count": "a whole number, >= 0"}[kind.unit]


# -- measuring --------------------------------------------------------------------------------
class _Measures:
    """The period's figures the rules read, each queried once."""

    def __init__(self, db: Database, period: Period, settings: Settings):
        self.db, self.period, self.settings = db, period, settings

    @cached_property
    def freight(self) -> pd.DataFrame:
        return self.db.query("alerts_freight_overcharge", period=self.period.label,
                             **self.period.bounds())

    @cached_property
    def refunds(self) -> pd.DataFrame:
        return self.db.query("alerts_refunds_not_received", period=self.period.label)

    @cached_property
    def payouts(self) -> pd.DataFrame:
        return payouts_late(self.db, self.period, self.settings.deposit_window_days)

    @cached_property
    def scorecard(self) -> pd.DataFrame:
        card = analytics.carrier_scorecard(self.db, self.period)
        return card[card["level"] == "carrier"]

    @cached_property
    def satisfaction(self) -> pd.DataFrame:
        return analytics.satisfaction(self.db, self.period)

    @cached_property
    def low_stock(self) -> pd.DataFrame:
        return analytics.safety_stock_alerts(self.db, self.period)

    @cached_property
    def grni(self) -> pd.DataFrame:
        return self.db.query("purchase_grni", period_end=self.period.end_ts)

    @cached_property
    def price_overrun(self) -> pd.DataFrame:
        return self.db.query("alerts_purchase_price_overrun", period=self.period.label)

    @cached_property
    def cod(self) -> pd.DataFrame:
        return self.db.query("cod_outstanding", period_end=self.period.end_ts)

    @cached_property
    def claims(self) -> pd.DataFrame:
        return self.db.query("alerts_claims_uncompensated", period=self.period.label)

    @cached_property
    def carrier_choice(self):
        from recon_lib.carrier_choice import Constraints, carrier_choice

        return carrier_choice(self.db, self.period, Constraints.of(self.settings))

    @cached_property
    def abc(self) -> pd.DataFrame:
        return analytics.abc_classes(self.db, self.period)


@dataclass(frozen=True)
class _Reading:
    scope: dict[str, str]
    value: float | int | None
    subject: str            # "SF", "channel tmall", "all channels"
    details: dict = field(default_factory=dict)
    missing: str = ""       # why there is no value


def _number(value, unit: str):
    if value is None or pd.isna(value):
        return None
    if unit in ("days", "count"):
        return int(value)
    return round(float(value), 2 if unit == "CNY" else 6)


def _carriers(rule: Rule, frame: pd.DataFrame, column: str, what: str,
              details=lambda row: {}) -> list[_Reading]:
    """One reading per carrier of ``frame`` (or the rule's carrier)."""
    kind = KINDS[rule.kind]
    rows = frame[frame["carrier"] == rule.carrier] if rule.carrier else frame
    if rule.carrier and not len(rows):
        return [_Reading(rule.scope, None, rule.carrier, missing=f"no {what} of {rule.carrier} "
                                                                 "in the period")]
    if not len(rows):
        return [_Reading({}, None, "every carrier", missing=f"no {what} in the period")]
    return [_Reading({"carrier": row.carrier}, _number(getattr(row, column), kind.unit),
                     row.carrier, details(row),
                     missing=f"no {what} of {row.carrier} in the period")
            for row in rows.itertuples(index=False)]


def _read_freight_overcharge(rule: Rule, m: _Measures) -> list[_Reading]:
    return _carriers(rule, m.freight, "overcharge", "courier bill or freight finding",
                     lambda r: {"findings": int(r.findings), "billed": _number(r.billed, "CNY")})


def _read_freight_overcharge_share(rule: Rule, m: _Measures) -> list[_Reading]:
    return _carriers(rule, m.freight, "share", "courier bill",
                     lambda r: {"overcharge": _number(r.overcharge, "CNY"),
                                "billed": _number(r.billed, "CNY"), "findings": int(r.findings)})


def _read_billing_accuracy(rule: Rule, m: _Measures) -> list[_Reading]:
    card = m.scorecard[m.scorecard["bill_lines"] > 0]
    return _carriers(rule, card, "billing_accuracy", "courier bill",
                     lambda r: {"bill_lines": int(r.bill_lines),
                                "overcharge": _number(r.claimable, "CNY")})


def _read_refunds_not_received(rule: Rule, m: _Measures) -> list[_Reading]:
    channel = rule.channel or "all"
    rows = m.refunds[m.refunds["channel"] == channel]
    subject = f"channel {rule.channel}" if rule.channel else "all channels"
    if not len(rows):  # a channel without findings; 'all' is always there
        return [_Reading(rule.scope, 0.0, subject, {"findings": 0})]
    row = rows.iloc[0]
    return [_Reading(rule.scope, _number(row["amount"], "CNY"), subject,
                     {"findings": int(row["findings"])})]


def payouts_late(db: Database, period: Period, window_days: int) -> pd.DataFrame:
    """Payouts overdue at the bank at ``period``'s end, most overdue first, with their amount
    in yuan (``sql/alerts_payouts_late.sql``): what the payout_late rule measures and the
    headline's "payouts overdue at the bank" adds up."""
    return db.query("alerts_payouts_late", period_start=period.start_ts,
                    period_end=period.end_ts, window_days=window_days)


def _read_payout_late(rule: Rule, m: _Measures) -> list[_Reading]:
    late = m.payouts
    if rule.channel:
        late = late[late["channel"] == rule.channel]
    subject = f"channel {rule.channel}" if rule.channel else "all channels"
    worst = [{"payout_id": r.payout_id, "channel": r.channel, "days_late": int(r.days_late),
              "deadline": r.deadline.strftime("%Y-%m-%d %H:%M"),
              "amount": _number(r.amount, "CNY"), "currency": r.currency,
              "amount_cny": _number(r.amount_cny, "CNY")}
             for r in late.head(SHOWN).itertuples(index=False)]
    value = int(late["days_late"].max()) if len(late) else 0
    unknown = late[late["amount_cny"].isna()]
    details = {"late_payouts": len(late),
               "amount_cny": _number(late["amount_cny"].sum(), "CNY") if len(late) else 0.0,
               "latest": worst}
    if len(unknown):  # a foreign-currency payout of a day without a reference rate
        details["not_in_cny"] = {c: _number(g["amount"].sum(), "CNY")
                                 for c, g in unknown.groupby("currency")}
    return [_Reading(rule.scope, value, subject, details)]


def _read_top_sku_low_stock(rule: Rule, m: _Measures) -> list[_Reading]:
    abc = m.abc
    if rule.top:
        top = abc[(abc["revenue_rank"] <= rule.top) & (abc["revenue"] > 0)]
        subject = f"top {rule.top} SKUs by revenue"
    else:
        top = abc[abc["abc_class"] == "A"]
        subject = "ABC class A SKUs"
    low = m.low_stock[m.low_stock["sku"].isin(set(top["sku"]))]
    rows = [{"warehouse": r.warehouse, "sku": r.sku, "on_hand": int(r.on_hand),
             "safety_stock": None if pd.isna(r.safety_stock) else int(r.safety_stock)}
            for r in low.head(SHOWN).itertuples(index=False)]
    return [_Reading({}, len(low), subject, {"top_skus": len(top), "rows": rows})]


def _read_on_time_rate(rule: Rule, m: _Measures) -> list[_Reading]:
    if rule.carrier:
        rows = m.scorecard[m.scorecard["carrier"] == rule.carrier]
        subject, judged = rule.carrier, "judged"
    else:
        rows = m.satisfaction[m.satisfaction["channel"] == (rule.channel or "all")]
        subject = f"channel {rule.channel}" if rule.channel else "all channels"
        judged = "delivered_judged"
    if not len(rows) or pd.isna(rows.iloc[0]["on_time_rate"]):
        return [_Reading(rule.scope, None, subject,
                         missing=f"no parcel of {subject} delivered with a promised date")]
    row = rows.iloc[0]
    return [_Reading(rule.scope, _number(row["on_time_rate"], "share"), subject,
                     {"parcels_judged": int(row[judged])})]


def _read_grni_over_60_days(rule: Rule, m: _Measures) -> list[_Reading]:
    old = m.grni[["grni_61_90", "grni_over_90"]].astype(float).fillna(0.0).sum(axis=1)
    suppliers = m.grni[old > 0]
    return [_Reading({}, round(float(old.sum()), 2), "all suppliers",
                     {"suppliers": [{"supplier": r.supplier, "amount": round(float(a), 2)}
                                    for r, a in zip(suppliers.itertuples(index=False),
                                                    old[old > 0], strict=True)][:SHOWN]})]


def _read_purchase_price_overrun(rule: Rule, m: _Measures) -> list[_Reading]:
    row = m.price_overrun.iloc[0]
    return [_Reading({}, _number(row["amount"], "CNY"), "all suppliers",
                     {"findings": int(row["findings"])})]


def _read_cod_overdue(rule: Rule, m: _Measures) -> list[_Reading]:
    rows = m.cod[m.cod["carrier"] == rule.carrier] if rule.carrier else m.cod
    subject = rule.carrier or "all couriers"
    unknown = rows[rows["overdue"].isna()]
    overdue = round(float(rows["overdue"].astype(float).sum()), 2) if len(rows) else 0.0
    details = {"parcels_outstanding": int(rows["parcels"].sum()) if len(rows) else 0,
               "outstanding": round(float(rows["amount"].astype(float).sum()), 2)}
    if len(unknown):  # delivered parcels no contract terms cover: their due day is not known
        details["parcels_without_terms"] = int(unknown["parcels"].sum())
        if overdue <= rule.threshold:
            return [_Reading(rule.scope, None, subject, details, missing=(
                f"{details['parcels_without_terms']} parcel(s) without COD terms: their "
                "due day is not known"))]
    return [_Reading(rule.scope, overdue, subject, details)]


def _read_claims_uncompensated(rule: Rule, m: _Measures) -> list[_Reading]:
    rows = m.claims[m.claims["carrier"] == rule.carrier] if rule.carrier else m.claims
    subject = rule.carrier or "all couriers"
    owed = round(float(rows["owed"].astype(float).sum()), 2) if len(rows) else 0.0
    unknown = int(rows["without_amount"].sum()) if len(rows) else 0
    details = {"findings": int(rows["findings"].sum()) if len(rows) else 0,
               "without_amount": unknown}
    if unknown and owed <= rule.threshold:  # the part known does not decide it
        return [_Reading(rule.scope, None, subject, details, missing=(
            f"{unknown} parcel(s) whose compensation owed is not known"))]
    return [_Reading(rule.scope, owed, subject, details)]


def _read_carrier_choice_saving(rule: Rule, m: _Measures) -> list[_Reading]:
    choice = m.carrier_choice
    total = choice.total
    details = {"parcels": int(total.get("parcels", 0) or 0),
               "priced": int(total.get("priced_parcels", 0) or 0),
               "moved": int(total.get("moved", 0) or 0),
               "carried": _number(total.get("carried"), "CNY"),
               "best": _number(total.get("best"), "CNY")}
    if choice.saving is None:
        return [_Reading({}, None, "all parcels", details, missing=(
            f"none of the period's {details['parcels']} parcel(s) could be priced "
            "(no weight, province, rate card or eligible courier)"))]
    return [_Reading({}, _number(choice.saving, "CNY"), "all parcels", details)]


_READERS = {
    "freight_overcharge": _read_freight_overcharge,
    "freight_overcharge_share": _read_freight_overcharge_share,
    "refunds_not_received": _read_refunds_not_received,
    "payout_late": _read_payout_late,
    "billing_accuracy": _read_billing_accuracy,
    "top_sku_low_stock": _read_top_sku_low_stock,
    "on_time_rate": _read_on_time_rate,
    "grni_over_60_days": _read_grni_over_60_days,
    "purchase_price_overrun": _read_purchase_price_overrun,
    "cod_overdue": _read_cod_overdue,
    "claims_uncompensated": _read_claims_uncompensated,
    "carrier_choice_saving": _read_carrier_choice_saving,
}


def breaches(kind: Kind, value, threshold: float) -> bool:
    """Whether ``value`` is on the breaching side of ``threshold``; at the threshold it is not."""
    if value is None:
        return False
    return value > threshold if kind.direction == "above" else value < threshold


def _show(value, unit: str) -> str:
    if unit == "CNY":
        return yuan(value)
    if unit == "share":
        return f"{value:.2%}"
    if unit == "days":
        return f"{value:g} day" + ("" if value == 1 else "s")
    return f"{value:g}"


def _overdue(days: int) -> str:
    # 0 whole days means the deadline was the period's last day: past, but not by a full day
    return "deadline on the last day" if days == 0 else f"{_show(days, 'days')} late"


_WHAT = {
    "freight_overcharge": "freight overcharges of {subject}",
    "freight_overcharge_share": "freight overcharges of {subject} as a share of its bill",
    "refunds_not_received": "refunds paid, goods not back ({subject})",
    "payout_late": "payouts overdue at the bank ({subject})",
    "billing_accuracy": "billing accuracy of {subject}",
    "top_sku_low_stock": "warehouse x SKU rows at or below safety stock ({subject})",
    "on_time_rate": "on-time delivery ({subject})",
    "grni_over_60_days": "goods received over 60 days ago and not invoiced ({subject})",
    "purchase_price_overrun": "supplier invoices priced above their POs ({subject})",
    "cod_overdue": "COD money overdue at the couriers ({subject})",
    "claims_uncompensated": "lost and damaged parcels past their claim deadline, not "
                            "compensated ({subject})",
    "carrier_choice_saving": "freight saved with the cheapest eligible courier ({subject})",
}


_WHAT_ZH = {
    "freight_overcharge": "快递多收费",
    "freight_overcharge_share": "快递多收费占账单比例",
    "refunds_not_received": "已退款未收货",
    "payout_late": "提现超期未到账",
    "billing_accuracy": "快递账单准确率",
    "top_sku_low_stock": "重点商品库存不足",
    "on_time_rate": "准时交付率",
    "grni_over_60_days": "入库超 60 天未开票",
    "purchase_price_overrun": "发票单价高于订单价",
    "cod_overdue": "代收货款超期未回款",
    "claims_uncompensated": "丢件破损逾期未赔付",
    "carrier_choice_saving": "改派快递可省运费",
}
"""The Chinese name each message opens with (the English sentence follows)."""


def _message(rule: Rule, kind: Kind, reading: _Reading, breached: bool) -> str:
    what = f"{_WHAT_ZH[rule.kind]} " + _WHAT[rule.kind].format(subject=reading.subject)
    if reading.value is None:
        return f"{what}: not measured, {reading.missing}"
    side = kind.direction if breached else f"not {kind.direction}"
    measured = f"{_show(reading.value, kind.unit)}, {side} {_show(rule.threshold, kind.unit)}"
    text = f"{what}: {measured}"
    d = reading.details
    if rule.kind == "freight_overcharge_share" and d.get("billed") is not None:
        text += f" ({yuan(d['overcharge'])} of {yuan(d['billed'])})"
    elif rule.kind == "payout_late":  # the money first, then how late
        if not d.get("late_payouts"):
            return f"{what}: none; {measured}"
        money = yuan(d["amount_cny"]) + "".join(
            f" + {amount:,.2f} {currency}" for currency, amount in d.get("not_in_cny", {}).items())
        text = (f"{what}: {money} in {d['late_payouts']} payout(s); the most overdue "
                f"{measured}; most overdue first: " + ", ".join(
                    f"{p['payout_id']} ({p['channel']}, {_payout_money(p)}, "
                    f"{_overdue(p['days_late'])})" for p in d["latest"][:NAMED]))
    elif rule.kind == "refunds_not_received" and d.get("findings"):
        text += f"; {d['findings']} return(s)"
    elif rule.kind == "purchase_price_overrun" and d.get("findings"):
        text += f"; {d['findings']} invoice line(s)"
    elif rule.kind == "claims_uncompensated" and d.get("findings"):
        text += f"; {d['findings']} parcel(s)"
        if d.get("without_amount"):
            text += f", at least: {d['without_amount']} with what is owed not known"
    elif rule.kind == "carrier_choice_saving" and d.get("priced"):
        text += (f" ({yuan(d['carried'])} as carried, {yuan(d['best'])} at best; "
                 f"{d['moved']} of {d['priced']} priced parcel(s) to move")
        if d["priced"] < d["parcels"]:
            text += f"; {d['parcels'] - d['priced']} not priced"
        text += ")"
    elif rule.kind == "cod_overdue" and d.get("parcels_without_terms"):
        text += f"; at least: {d['parcels_without_terms']} parcel(s) without COD terms"
    elif rule.kind == "grni_over_60_days" and d.get("suppliers"):
        text += ": " + ", ".join(f"{x['supplier']} {yuan(x['amount'])}"
                                 for x in d["suppliers"][:NAMED])
    elif rule.kind == "billing_accuracy" and d.get("overcharge"):
        text += f"; {yuan(d['overcharge'])} to claim"
    elif rule.kind == "top_sku_low_stock" and d.get("rows"):
        text += ": " + ", ".join(f"{r['sku']} in {r['warehouse']} ({r['on_hand']} on hand, "
                                 f"safety {r['safety_stock']})" for r in d["rows"][:NAMED])
        if reading.value > NAMED:
            text += f" and {reading.value - NAMED} more"
    return text


def _payout_money(payout: dict) -> str:
    if payout.get("amount_cny") is not None:
        return yuan(payout["amount_cny"])
    return f"{payout['amount']:,.2f} {payout['currency']}"


def _amount(kind: str, reading: _Reading) -> float | None:
    """The money an alert is about, in yuan (see :attr:`Alert.amount`)."""
    if reading.value is None:
        return None
    if kind in ("freight_overcharge", "refunds_not_received", "grni_over_60_days",
                "purchase_price_overrun", "cod_overdue", "claims_uncompensated"):
        return reading.value
    if kind in ("freight_overcharge_share", "billing_accuracy"):
        return reading.details.get("overcharge")
    if kind == "payout_late":
        return reading.details.get("amount_cny")
    return None


def _evidence(kind: Kind, reading: _Reading) -> dict[str, str]:
    """Where to look: the report section (relative to ``reports/<period>/``), the exceptions
    workbook's sheet, and a courier's claims workbook when it has findings."""
    evidence = {"report": f"{kind.section}.html"}
    if kind.sheet:
        evidence.update(workbook=WORKBOOK, sheet=kind.sheet)
    carrier = reading.scope.get("carrier")
    if kind.name.startswith("freight_") and carrier and reading.details.get("findings"):
        evidence["claims"] = workbook_name(carrier)
    return evidence


def evaluate(db: Database, period: Period, rules: Iterable[Rule],
             settings: Settings = DEFAULT_SETTINGS, coverage: Coverage | None = None,
             ) -> list[Alert]:
    """Measure every rule on ``period``: one :class:`Alert` per rule and subject, breached ones
    first (most severe first), then the rest in the rules' order. A rule whose checks were not
    made (``coverage``) is not measured, and says why."""
    measures = _Measures(db, period, settings)
    not_made = {f"{c.check.recon}.{c.check.name}": c.reason
                for c in (coverage.not_checked if coverage is not None else ()) if not c.scope}
    alerts = []
    for rule in rules:
        kind = KINDS[rule.kind]
        missing = [not_made[c] for c in kind.checks if c in not_made]
        readings = ([_Reading(rule.scope, None, _subject(rule), missing="not checked: "
                              + "; ".join(missing))] if missing
                    else _READERS[rule.kind](rule, measures))
        for reading in readings:
            breached = breaches(kind, reading.value, rule.threshold)
            threshold = rule.threshold
            if threshold == int(threshold):
                threshold = int(threshold)
            alerts.append(Alert(
                rule=rule.name, kind=rule.kind, severity=rule.severity, scope=reading.scope,
                value=reading.value, threshold=threshold, direction=kind.direction,
                unit=kind.unit, breached=breached,
                message=_message(rule, kind, reading, breached),
                evidence=_evidence(kind, reading),
                details=reading.details, amount=_amount(rule.kind, reading)))
    order = sorted(range(len(alerts)), key=lambda i: (
        not alerts[i].breached, -severity_rank(alerts[i].severity) if alerts[i].breached else 0,
        i))
    alerts = [alerts[i] for i in order]
    for alert in alerts:
        if alert.breached:
            log.info("alert %s: %s", alert.severity, alert.message)
    return alerts


def _subject(rule: Rule) -> str:
    if rule.carrier:
        return rule.carrier
    return f"channel {rule.channel}" if rule.channel else "all"


def breached(alerts: Iterable[Alert], at_least: str = "info") -> list[Alert]:
    """The breached alerts of severity ``at_least`` or above."""
    floor = severity_rank(at_least)
    return [a for a in alerts if a.breached and severity_rank(a.severity) >= floor]


def write_json(path: Path, period: Period, alerts: Sequence[Alert], source: str,
               coverage: Coverage | None = None) -> Path:
    """Write ``alerts.json``: every rule and subject evaluated, breached or not, and what the
    run could check (``coverage``: a scheduler sees an incomplete run as such)."""
    from recon_lib.report.html import write_atomically

    hits = breached(alerts)
    document = {
        "period": period.label,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),  # exclusive
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "rules_file": source,
        "checked": len(alerts),
        "breached": len(hits),
        "highest_severity": max((a.severity for a in hits), key=severity_rank, default=None),
        "alerts": [a.to_dict() for a in alerts],
    }
    if coverage is not None:
        document["coverage"] = coverage.to_dict()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    log.info("wrote %s (%d of %d breached)", path, len(hits), len(alerts))
    return path
