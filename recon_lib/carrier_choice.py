"""Carrier choice (承运商选择): every parcel of a period re-priced under every courier's card.

Each parcel is priced under every courier and product whose rate card covers its province on its
ship date, with the one pricing rule the freight audit uses (``sql/create_macros_pricing.sql``)
plus the contracted surcharges whose condition holds. A courier is eligible when it meets the
service constraints on the carrier scorecard's rates (``sql/analytics_carrier_scorecard.sql``:
on-time rate at least, damage rate at most). The best allocation gives every parcel its cheapest
eligible courier (no capacity limits); the saving is what the parcel cost as carried (its bill,
else its contract price) minus that. Parcels that cannot be priced are counted apart, never as 0.

The work is SQL (``sql/analytics_carrier_choice*.sql``) on temporary tables of the connection, so
it runs on a read-only database too. Definitions and edge cases: ``docs/carrier-choice.md``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import pandas as pd

from recon_lib import labels
from recon_lib.analytics import carrier_scorecard
from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.periods import Period, parse_period

log = logging.getLogger(__name__)

STATUSES = ("priced", "no_weight", "no_province", "no_card", "no_cost", "no_eligible")
"""A parcel's status: priced, or why it is not (see ``sql/analytics_carrier_choice.sql``)."""


def _share(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        raise InputError(f"{name} must be a share between 0 and 1, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Constraints:
    """The service a courier must give to be chosen: rates of the carrier scorecard."""

    min_on_time_rate: float = DEFAULT_SETTINGS.carrier_min_on_time_rate
    """On-time rate at least this (0: no constraint)."""
    max_damage_rate: float = DEFAULT_SETTINGS.carrier_max_damage_rate
    """Damage rate at most this (1: no constraint)."""

    def __post_init__(self) -> None:
        _share("min_on_time_rate", self.min_on_time_rate)
        _share("max_damage_rate", self.max_damage_rate)

    @classmethod
    def of(cls, settings: Settings) -> Constraints:
        return cls(settings.carrier_min_on_time_rate, settings.carrier_max_damage_rate)


@dataclass(frozen=True)
class CarrierChoice:
    """The period's carrier choice: totals, their cuts, the couriers and what was not priced."""

    period: str
    constraints: Constraints
    total: pd.Series
    """One row: parcels, priced_parcels, moved, carried, best, saving, above_contract,
    reallocation, not_priced, not_priced_carried (yuan as float; see the totals query)."""
    by_warehouse: pd.DataFrame
    by_province: pd.DataFrame
    moves: pd.DataFrame
    """Priced parcels per (carrier, service) as carried -> (best_carrier, best_service)."""
    carriers: pd.DataFrame
    """Per courier and product: its rates, eligible or why not, parcels priced, carried, best."""
    not_priced: pd.DataFrame
    """Per reason: parcels not priced and what they cost where known."""

    def constraints_table(self) -> pd.DataFrame:
        """The constraint settings used, one row each, as a share (for the report)."""
        return pd.DataFrame({
            "constraint": [labels.both("准时率至少", "On-time rate at least"),
                           labels.both("破损率至多", "Damage rate at most")],
            "setting_value": [self.constraints.min_on_time_rate,
                              self.constraints.max_damage_rate]})

    @property
    def saving(self) -> float | None:
        """The month's saving under the best allocation, yuan; None when nothing was priced."""
        return None if not self.total["priced_parcels"] else float(self.total["saving"])


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def _rate(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def prepare(db: Database, period: Period | str, constraints: Constraints | None = None) -> None:
    """Build the temporary tables carrier_choice_parcels, carrier_choice_options and
    carrier_choice for the period (what every other function here reads)."""
    p = _period(period)
    c = constraints if constraints is not None else Constraints()
    card = carrier_scorecard(db, p)
    rows = card[card["level"] == "carrier"]
    db.run("analytics_carrier_choice_parcels", **p.bounds())
    db.run("analytics_carrier_choice_options",
           carriers=[str(x) for x in rows["carrier"]],
           on_time_rates=[_rate(x) for x in rows["on_time_rate"]],
           damage_rates=[_rate(x) for x in rows["damage_rate"]],
           min_on_time=c.min_on_time_rate, max_damage=c.max_damage_rate)
    db.run("analytics_carrier_choice")


def carrier_choice(db: Database, period: Period | str,
                   constraints: Constraints | None = None) -> CarrierChoice:
    """Re-price the period's parcels under every courier and choose the cheapest eligible one."""
    p = _period(period)
    c = constraints if constraints is not None else Constraints()
    prepare(db, p, c)
    totals = db.query("analytics_carrier_choice_totals")

    def level(name: str, columns: list[str]) -> pd.DataFrame:
        part = totals[totals["level"] == name].drop(columns=["level"])
        keep = [col for col in part.columns if col not in ("warehouse", "province", "carrier",
                                                            "service", "best_carrier",
                                                            "best_service") or col in columns]
        return part[keep].reset_index(drop=True)

    total = level("total", [])
    return CarrierChoice(
        period=p.label, constraints=c,
        total=total.iloc[0] if len(total) else pd.Series(dtype=object),
        by_warehouse=level("warehouse", ["warehouse"]),
        by_province=level("province", ["province"]),
        moves=level("move", ["carrier", "service", "best_carrier", "best_service"]),
        carriers=db.query("analytics_carrier_choice_carriers"),
        not_priced=db.query("analytics_carrier_choice_not_priced"),
    )


def parcel_choices(db: Database, period: Period | str,
                   constraints: Constraints | None = None) -> pd.DataFrame:
    """One row per parcel of the period: its cost as carried, its own contract price, the
    cheapest eligible courier, the saving and its status."""
    prepare(db, period, constraints)
    return db.query("analytics_carrier_choice_list")


def parcel_prices(db: Database, period: Period | str,
                  constraints: Constraints | None = None) -> pd.DataFrame:
    """One row per parcel and courier card covering it: price, rates, eligible and why not."""
    prepare(db, period, constraints)
    return db.query("analytics_carrier_choice_prices")
