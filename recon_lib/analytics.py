"""Operations analytics: how the merchant's operation runs, beyond "do the records agree".

Every indicator is a named query ``recon_lib/sql/analytics_*.sql`` over the canonical tables, run
through :meth:`Database.query` and returned as a DataFrame; each public function here takes
``(db, period, ...)`` with the period as a :class:`~recon_lib.periods.Period` or its label (``"2026-10"``, ``"2026-W43"``...).
The only logic in Python is the forecast (Holt's linear smoothing and its back-test) and the
validation of parameters. Definitions, units and edge cases: ``docs/analytics.md``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from recon_lib import labels, periods
from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.periods import Period, parse_period

log = logging.getLogger(__name__)

GRAINS = ("week", "month")
MEASURES = ("orders", "gross_sales")
FORECAST_COLUMNS = ["channel", "measure", "month", "step", "forecast", "lower", "upper", "mape",
                    "history_months", "note"]


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be a whole number >= 1, got {value!r}")
    return value


def _share(name: str, value: float, *, low_open: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value > 1 or value < 0 or (low_open and value == 0):
        bound = "0 < x <= 1" if low_open else "0 <= x <= 1"
        raise InputError(f"{name} must be a number with {bound}, got {value!r}")
    return float(value)


# -- inventory ----------------------------------------------------------------------------------
def stock_turnover(db: Database, period: Period | str, *, months: int = 1) -> pd.DataFrame:
    """Turnover and days on hand per warehouse x SKU, category, warehouse and in total.

    ``months`` is the window ending at the period end: 1 = the period itself (whatever its
    length), 12 = the period's month and the eleven calendar months before it.
    """
    end = _period(period)
    start = end
    if _positive_int("months", months) > 1:
        start = periods.month(end.last_day)
        for _ in range(months - 1):
            start = start.previous()
    return db.query("analytics_stock_turnover", window_start=start.start_ts,
                    window_end=end.end_ts)


def safety_stock_alerts(db: Database, period: Period | str, *, lead_time_days: int = 14,
                        sales_window_days: int = 28) -> pd.DataFrame:
    """Warehouse x SKU at or below safety stock: cover, reorder quantity, delayed orders."""
    return db.query("analytics_safety_stock", **_period(period).bounds(),
                    lead_time_days=_positive_int("lead_time_days", lead_time_days),
                    sales_window_days=_positive_int("sales_window_days", sales_window_days))


def slow_movers(db: Database, period: Period | str, *, slow_days: int = 90,
                dead_days: int = 180) -> pd.DataFrame:
    """Stock on hand with no outbound movement for ``slow_days`` ('slow') or ``dead_days``."""
    if _positive_int("dead_days", dead_days) < _positive_int("slow_days", slow_days):
        raise InputError(f"dead_days ({dead_days}) must be >= slow_days ({slow_days})")
    return db.query("analytics_slow_movers", **_period(period).bounds(), slow_days=slow_days,
                    dead_days=dead_days)


def abc_classes(db: Database, period: Period | str, *, a_share: float = 0.80,
                b_share: float = 0.95) -> pd.DataFrame:
    """ABC class of every SKU by the period's revenue (A: first 80 %, B: next 15 %, C: rest)."""
    if _share("a_share", a_share, low_open=True) > _share("b_share", b_share, low_open=True):
        raise InputError(f"a_share ({a_share}) must be <= b_share ({b_share})")
    return db.query("analytics_abc", **_period(period).bounds(), a_share=float(a_share),
                    b_share=float(b_share))


def rebalancing(db: Database, period: Period | str, *,
                target_multiple: float = 3.0) -> pd.DataFrame:
    """Transfers from warehouses above ``target_multiple`` x safety stock to those below it."""
    if not (isinstance(target_multiple, int | float) and math.isfinite(target_multiple)
            and target_multiple >= 1):
        raise InputError(f"target_multiple must be a number >= 1, got {target_multiple!r}")
    return db.query("analytics_rebalance", **_period(period).bounds(),
                    target_multiple=float(target_multiple))


# -- trends -------------------------------------------------------------------------------------
def channel_trends(db: Database, period: Period | str, *, grain: str = "month") -> pd.DataFrame:
    """Orders, sales, return/refund rates, freight and fees per channel and week or month.

    Reads every loaded period up to the end of ``period``; change columns compare with the
    previous bucket (``*_pop``) and the same bucket a year earlier (``*_yoy``).
    """
    if grain not in GRAINS:
        raise InputError(f"grain must be one of {', '.join(GRAINS)}, got {grain!r}")
    return db.query("analytics_channel_trends", grain=grain,
                    period_end=_period(period).end_ts)


def weekly_anomalies(db: Database, period: Period | str, *, threshold: float = 3.0,
                     min_history: int = 8, history_weeks: int = 26) -> pd.DataFrame:
    """Weekly orders per channel flagged when more than ``threshold`` robust SDs off the median."""
    if not (isinstance(threshold, int | float) and math.isfinite(threshold) and threshold > 0):
        raise InputError(f"threshold must be a number > 0, got {threshold!r}")
    if _positive_int("min_history", min_history) > _positive_int("history_weeks", history_weeks):
        raise InputError(f"min_history ({min_history}) must be <= history_weeks "
                         f"({history_weeks})")
    return db.query("analytics_weekly_anomalies", period_end=_period(period).end_ts,
                    threshold=float(threshold), min_history=min_history,
                    history_weeks=history_weeks)


def holt_forecast(values: Sequence[float], steps: int, *, alpha: float = 0.5,
                  beta: float = 0.5) -> list[float]:
    """Holt's linear exponential smoothing with fixed ``alpha`` and ``beta``.

    Starts from level = y[0], trend = y[1] - y[0]; then for each later value
    level = alpha*y + (1-alpha)*(level+trend), trend = beta*(level-previous level) +
    (1-beta)*trend. Returns level + h*trend for h = 1..steps. Needs at least two values.
    """
    if len(values) < 2:
        raise InputError(f"Holt's method needs at least 2 values, got {len(values)}")
    level, trend = float(values[0]), float(values[1]) - float(values[0])
    for y in values[1:]:
        previous = level
        level = alpha * float(y) + (1 - alpha) * (level + trend)
        trend = beta * (level - previous) + (1 - beta) * trend
    return [level + h * trend for h in range(1, steps + 1)]


def backtest_mape(values: Sequence[float], holdout: int, *, alpha: float = 0.5,
                  beta: float = 0.5) -> float | None:
    """MAPE (in %) of forecasting the last ``holdout`` values from the ones before them.

    One forecast origin: the model is fitted on ``values[:-holdout]`` and predicts 1..holdout
    steps ahead. Held-out zeros have no percentage error and are skipped; None when all are 0.
    """
    if len(values) < holdout + 2:
        raise InputError(f"a back-test holding out {holdout} needs at least {holdout + 2} "
                         f"values, got {len(values)}")
    predicted = holt_forecast(values[:-holdout], holdout, alpha=alpha, beta=beta)
    errors = [abs(a - f) / abs(a) for a, f in zip(values[-holdout:], predicted, strict=True)
              if a != 0]
    return 100 * sum(errors) / len(errors) if errors else None


def channel_forecast(db: Database, period: Period | str, *, horizon: int = 3, holdout: int = 3,
                     alpha: float = 0.5, beta: float = 0.5) -> pd.DataFrame:
    """Next ``horizon`` months of orders and gross sales per channel, with a back-tested MAPE.

    The monthly series is :func:`channel_trends` (grain month) from the channel's first month to
    the period. forecast = Holt on the whole series, floored at 0; mape = :func:`backtest_mape`
    with the last ``holdout`` months held out; lower/upper = forecast x (1 -/+ mape/100), lower
    floored at 0. A channel with fewer than ``holdout + 2`` months gets one row per measure with
    no numbers and the reason in ``note`` (no error); the frame is empty without any orders.
    """
    _positive_int("horizon", horizon)
    _positive_int("holdout", holdout)
    _share("alpha", alpha, low_open=True)
    _share("beta", beta)
    end = _period(period)
    monthly = channel_trends(db, end, grain="month")
    rows = []
    for channel, series in monthly.groupby("channel", sort=True):
        series = series.sort_values("bucket_start")
        n = len(series)
        for measure in MEASURES:
            base = {"channel": channel, "measure": measure, "history_months": n}
            if n < holdout + 2:
                note = (f"not enough history: {n} month(s), need at least {holdout + 2} "
                        f"({holdout} held out for the back-test + 2 to start the trend)")
                rows.append({**base, "note": note})
                log.info("forecast %s %s skipped: %s", channel, measure, note)
                continue
            values = [float(v) for v in series[measure]]
            mape = backtest_mape(values, holdout, alpha=alpha, beta=beta)
            note = None if mape is not None else "no MAPE: every held-out month is 0"
            month = periods.month(end.last_day)
            for step, value in enumerate(holt_forecast(values, horizon, alpha=alpha, beta=beta),
                                         start=1):
                month = month.next()
                forecast = max(0.0, value)
                band = None if mape is None else forecast * mape / 100
                rows.append({**base, "month": month.start, "step": step, "forecast": forecast,
                             "lower": None if band is None else max(0.0, forecast - band),
                             "upper": None if band is None else forecast + band,
                             "mape": mape, "note": note})
    return pd.DataFrame(rows, columns=FORECAST_COLUMNS)


# -- carriers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScorecardWeights:
    """Weights of the carrier score; any non-negative numbers, at least one above 0."""

    on_time: float = 0.30     # on_time_rate, higher is better
    speed: float = 0.15       # avg_delivery_days, lower is better
    incidents: float = 0.15   # incident_rate (damaged or lost), lower is better
    cost: float = 0.20        # cost_per_parcel, lower is better
    coverage: float = 0.05    # provinces served, higher is better
    billing: float = 0.15     # billing_accuracy, higher is better

    def __post_init__(self) -> None:
        bad = [f"{name}={value!r}" for name, value in self.params().items()
               if not (isinstance(value, int | float) and not isinstance(value, bool)
                       and math.isfinite(value) and value >= 0)]
        if bad:
            raise InputError("scorecard weights must be finite numbers >= 0: " + ", ".join(bad))
        if sum(self.params().values()) <= 0:
            raise InputError("scorecard weights are all 0: at least one must be above 0")

    def params(self) -> dict[str, float]:
        """The weights as the query's ``$w_*`` parameters."""
        return {"w_on_time": self.on_time, "w_speed": self.speed, "w_incidents": self.incidents,
                "w_cost": self.cost, "w_coverage": self.coverage, "w_billing": self.billing}


def carrier_scorecard(db: Database, period: Period | str, *,
                      weights: ScorecardWeights | None = None) -> pd.DataFrame:
    """Per carrier and carrier x province: delivery, incidents, cost, billing, score and rank."""
    p = _period(period)
    w = weights if weights is not None else ScorecardWeights()
    return db.query_kept("analytics_carrier_scorecard", **p.bounds(), period=p.label,
                    **{k: float(v) for k, v in w.params().items()})


# -- customer satisfaction ----------------------------------------------------------------------
def satisfaction(db: Database, period: Period | str, *, sla_hours: float = 24) -> pd.DataFrame:
    """Quality, service, on-time delivery and ticket resolution per channel and overall."""
    if not (isinstance(sla_hours, int | float) and math.isfinite(sla_hours) and sla_hours > 0):
        raise InputError(f"sla_hours must be a number > 0, got {sla_hours!r}")
    return db.query("analytics_satisfaction", **_period(period).bounds(),
                    sla_hours=float(sla_hours))


def review_scores(db: Database, period: Period | str) -> pd.DataFrame:
    """Review count, average and distribution of scores per product category."""
    return db.query("analytics_review_scores", **_period(period).bounds())


def worst_lists(db: Database, period: Period | str, *, top: int = 5, min_units: int = 50,
                min_parcels: int = 20) -> pd.DataFrame:
    """The worst SKUs (quality complaints per 1,000 units), carriers and provinces (on time)."""
    return db.query("analytics_satisfaction_worst", **_period(period).bounds(),
                    top=_positive_int("top", top), min_units=_positive_int("min_units", min_units),
                    min_parcels=_positive_int("min_parcels", min_parcels))


def abc_summary(abc: pd.DataFrame) -> pd.DataFrame:
    """SKUs and revenue per ABC class, from :func:`abc_classes`."""
    return abc.groupby("abc_class", as_index=False).agg(skus=("sku", "count"),
                                                        revenue=("revenue", "sum"))


WORST_COLUMNS = {  # kind -> how worst_lists' generic columns read for it
    "sku": {"name": "sku", "value": "complaints_per_1000_units", "numerator": "complaints",
            "denominator": "units_sold"},
    "carrier": {"name": "carrier", "value": "on_time_rate", "numerator": "on_time",
                "denominator": "judged"},
    "province": {"name": "province", "value": "on_time_rate", "numerator": "on_time",
                 "denominator": "judged"},
}


def worst_table(worst: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One kind of :func:`worst_lists` with columns named for what they hold (``sku``,
    ``complaints_per_1000_units``, ``complaints``, ``units_sold``; or ``carrier``/``province``,
    ``on_time_rate``, ``on_time``, ``judged``)."""
    names = WORST_COLUMNS[kind]
    rows = worst[worst["kind"] == kind]
    return rows.rename(columns=names)[["rank", *names.values()]].reset_index(drop=True)


def history_months(monthly: pd.DataFrame) -> list[str]:
    """The months (``YYYY-MM``) of :func:`channel_trends` (grain month) with any order: a month
    the query lists with 0 orders everywhere (never loaded) is not history."""
    if not len(monthly):
        return []
    busy = monthly[monthly["orders"] > 0] if "orders" in monthly else monthly
    return sorted(pd.to_datetime(busy["bucket_start"]).dt.strftime("%Y-%m").unique())


def history_note(monthly: pd.DataFrame, *, holdout: int = 3) -> str:
    """A sentence for the trends page when the history is too short to draw (empty when it is
    long enough): one month makes one-dot charts and no change to compare, and the forecast
    needs ``holdout + 2`` months (:func:`channel_forecast`). ``monthly`` is
    :func:`channel_trends` at grain month."""
    months = history_months(monthly)
    need = holdout + 2
    if not months:
        return labels.both("还没有任何月份的订单：加载数据后这里会显示趋势和预测。",
                           "No month with orders is loaded yet: trends and the forecast appear "
                           "here once data is loaded.")
    if len(months) == 1:
        return labels.both(
            f"只加载了 1 个月（{months[0]}）的数据：趋势、环比和同比至少需要 2 个月，预测需要 "
            f"{need} 个月。加载更早的月份后，这里会显示趋势图和预测。",
            f"Only one month ({months[0]}) is loaded: trends and changes need at least 2 "
            f"months, the forecast {need}. Load earlier months to see the charts and the "
            "forecast here.")
    if len(months) < need:
        return labels.both(
            f"已加载 {len(months)} 个月（{months[0]} 至 {months[-1]}）：预测需要至少 {need} "
            "个月，所以下面没有预测。",
            f"{len(months)} months are loaded ({months[0]} to {months[-1]}): the forecast needs "
            f"at least {need}, so none is shown below.")
    return ""


def anomaly_note(anomalies: pd.DataFrame, *, min_history: int = 8) -> str:
    """A sentence for the anomalous-weeks table when it has no row to show: no week could be
    judged yet (fewer than ``min_history`` weeks of history), or none was anomalous."""
    if len(anomalies) and anomalies["anomaly"].fillna(False).astype(bool).any():
        return ""
    if not len(anomalies) or not anomalies["anomaly"].notna().any():
        return labels.both(
            f"历史不足 {min_history} 周，还无法判断哪一周异常。",
            f"Fewer than {min_history} weeks of history: no week can be judged yet.")
    return labels.both("没有异常的周：每周订单都在各渠道自身历史的正常范围内。",
                       "No anomalous week: every week's orders are within the channel's own "
                       "normal range.")


def orders_outlook(monthly: pd.DataFrame, forecast: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All channels' monthly orders so far, and the summed order forecast with its band, from
    :func:`channel_trends` (grain month) and :func:`channel_forecast`."""
    history = (monthly.groupby("bucket_start", as_index=False)["orders"].sum()
               .rename(columns={"bucket_start": "month"}))
    ahead = (forecast[(forecast["measure"] == "orders") & forecast["forecast"].notna()]
             .groupby("month", as_index=False)[["forecast", "lower", "upper"]].sum())
    return history, ahead
