"""Read a period's results: the same calls serve notebooks, the CLI and JupyterLab."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from recon_lib.db import Database
from recon_lib.periods import parse_period
from recon_lib.reasons import REASONS


def open_db(db_path: str | Path | None = None, *, read_only: bool = True) -> Database:
    """Open the results database (read-only by default, so a report never changes it)."""
    return Database(db_path or None, read_only=read_only)


def _with_reason_text(df: pd.DataFrame) -> pd.DataFrame:
    df.insert(df.columns.get_loc("reason_code") + 1, "title",
              df["reason_code"].map(lambda c: REASONS[c].title if c in REASONS else c))
    df.insert(df.columns.get_loc("title") + 1, "severity",
              df["reason_code"].map(lambda c: REASONS[c].severity if c in REASONS else ""))
    return df


def summary(db: Database, period: str, recon: str | None = None) -> pd.DataFrame:
    """Findings per reason code with the money at stake; every known code of ``recon`` listed."""
    df = db.query("discrepancy_summary", period=str(period))
    codes = [r for r in REASONS.values() if recon is None or r.recon == recon]
    frame = pd.DataFrame({"recon": [r.recon for r in codes], "reason_code": [r.code for r in codes]})
    df = frame.merge(df, on=["recon", "reason_code"], how="left")
    df["findings"] = df["findings"].fillna(0).astype(int)
    df["amount"] = df["amount"].astype(float).fillna(0.0)
    df["checked"] = df["reason_code"].map(_checked_codes(db, str(period)))
    return _with_reason_text(df)


def _checked_codes(db: Database, period: str) -> dict[str, str]:
    """Reason code -> 'yes' (its check ran), 'no' (not checked: its data was absent), 'part'
    (not for some carriers or channels); codes of a period run before coverage existed: ''."""
    checks = db.query("coverage_checks_list", period=period)
    out: dict[str, str] = {}
    for row in checks.itertuples(index=False):
        for code in row.codes:
            if not row.scope:
                out[code] = "yes" if row.status == "checked" else "no"
    for row in checks.itertuples(index=False):
        if row.scope and row.status == "not_checked":
            for code in row.codes:
                if out.get(code) == "yes":
                    out[code] = "part"
    return {code: out.get(code, "") for code in REASONS}


def coverage_note(db: Database, period: str, recon: str) -> str:
    """One sentence for a section page: which of its checks did not run, and why."""
    checks = db.query("coverage_checks_list", period=str(period))
    if not len(checks):
        return (f"本期未记录核对范围 What period {period}'s run could check was not recorded: "
                "run it again to see which checks had their data.")
    mine = checks[(checks["recon"] == recon) & (checks["status"] == "not_checked")]
    if not len(mine):
        return "本节全部核对 Every check of this section ran on loaded data."
    parts = [f"{row.title}{f' ({row.scope})' if row.scope else ''}: {row.reason}"
             for row in mine.itertuples(index=False)]
    return ("未核对 Not checked, their data was absent, so they report nothing: "
            + "; ".join(parts) + ".")


def discrepancies(db: Database, period: str, recon: str | None = None) -> pd.DataFrame:
    """Every finding of the period (optionally of one reconciliation), with its explanation."""
    df = db.query("discrepancy_list", period=str(period))
    if recon is not None:
        df = df[df["recon"] == recon].reset_index(drop=True)
    df["amount"] = df["amount"].astype(float)
    return _with_reason_text(df)


def freight_by_carrier(db: Database, period: str) -> pd.DataFrame:
    """Per carrier: parcels, billed, cost per parcel and per kg, claimable, accrual, accuracy."""
    df = db.query("freight_by_carrier", period=str(period), **parse_period(period).bounds())
    money = ["billed", "per_parcel", "per_kg", "claimable", "accrual", "billing_accuracy"]
    df[money] = df[money].astype(float)
    return df


def freight_by_province(db: Database, period: str) -> pd.DataFrame:
    """Per carrier and destination province: parcels, cost per parcel and per kg."""
    df = db.query("freight_by_province", **parse_period(period).bounds())
    df[["per_parcel", "per_kg"]] = df[["per_parcel", "per_kg"]].astype(float)
    return df


def freight_cost_matrix(db: Database, period: str) -> pd.DataFrame:
    """Cost per parcel by destination province (rows) and carrier (columns), busiest first."""
    df = freight_by_province(db, period)
    matrix = df.pivot(index="province", columns="carrier", values="per_parcel")
    order = df.groupby("province")["parcels"].sum().sort_values(ascending=False).index
    return matrix.reindex(order).reset_index().rename_axis(columns=None)


def freight_rebates(db: Database, period: str) -> pd.DataFrame:
    """Per carrier and rebate month whose credit is due on a bill of the period (the month's own,
    or the next month's when the contract says 次月; see docs/rate-cards.md): parcels, freight,
    tier reached, rebate due, the month of the bill that carries it (``credit_month``), what that
    bill credited and the difference (empty when no month ends in the period)."""
    db.run("freight_rebates", **parse_period(period).bounds())
    df = db.query("freight_rebate_list")
    money = ["freight", "tier_from", "rate", "due", "credited", "difference"]
    df[money] = df[money].astype(float)
    return df


def return_rates(db: Database, period: str, dimension: str = "channel") -> pd.DataFrame:
    """Return rate by ``channel``, ``sku`` (per unit sold) or buyer's ``reason``."""
    if dimension not in ("channel", "sku", "reason"):
        raise ValueError(f"dimension must be channel, sku or reason, got {dimension!r}")
    df = db.query("returns_rates", dimension=dimension, **parse_period(period).bounds())
    df[["return_rate", "requested_refund"]] = df[["return_rate", "requested_refund"]].astype(float)
    return df


def return_status(db: Database, period: str) -> pd.DataFrame:
    """One row per return judged in the period: legs, amounts, days between legs, open issue."""
    return db.query("return_status_list", period=str(period))


def refunds_at_risk(db: Database, period: str) -> pd.DataFrame:
    """Refunded-not-received money by age since the refund."""
    df = db.query("returns_at_risk", period=str(period))
    df["amount"] = df["amount"].astype(float)
    return df


def receivables_aging(db: Database, period: str) -> pd.DataFrame:
    """Dispatched orders not yet credited at the period's end, by channel and age bucket."""
    df = db.query("payments_receivables", period_end=parse_period(period).end_ts)
    df["amount"] = df["amount"].astype(float)
    return df


def channel_summary(db: Database, period: str) -> pd.DataFrame:
    """Per channel: cycle, currency, gross sales, refunds, fees and their share, net, deposits."""
    df = db.query("payments_channel_summary", **parse_period(period).bounds())
    money = ["gross_sales", "refunds", "commission", "fees", "fee_share", "net_credited",
             "deposited"]
    df[money] = df[money].astype(float)
    return df


def fx_differences(db: Database, period: str) -> pd.DataFrame:
    """Foreign-currency payouts that arrived within the FX tolerance, and the difference."""
    df = db.query("fx_differences_list", period=str(period))
    for col in ("amount", "expected_cny", "deposited", "difference"):
        df[col] = df[col].astype(float).round(2)
    df["rate_to_cny"] = df["rate_to_cny"].astype(float).round(4)
    return df


def money_waterfall(db: Database, period: str, window_days: int = 5) -> pd.DataFrame:
    """From the period's paid orders to the money in the bank: the amount at each stage."""
    df = db.query("money_waterfall", window_days=window_days, **parse_period(period).bounds())
    df["amount"] = df["amount"].astype(float)
    return df


def units_waterfall(db: Database, period: str) -> pd.DataFrame:
    """Units of the period's paid orders: ordered, shipped, delivered, lost, returned, received."""
    return db.query("units_waterfall", **parse_period(period).bounds())


def lifecycle(db: Database, period: str) -> pd.DataFrame:
    """One row per order paid in the period: legs, each leg's status, amounts, days between."""
    return db.query("lifecycle_list", period=str(period))
