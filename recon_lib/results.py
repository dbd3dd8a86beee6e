"""Read a period's results: the same calls serve notebooks, the CLI and JupyterLab."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from recon_lib import labels
from recon_lib.config import DEFAULT_SETTINGS
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
    """Findings per reason code with the money at stake, the most money first (then the most
    findings); every known code of ``recon`` listed, those without findings last."""
    df = db.query("discrepancy_summary", period=str(period))
    codes = [r for r in REASONS.values() if recon is None or r.recon == recon]
    frame = pd.DataFrame({"recon": [r.recon for r in codes], "reason_code": [r.code for r in codes]})
    df = frame.merge(df, on=["recon", "reason_code"], how="left")
    df["findings"] = df["findings"].fillna(0).astype(int)
    df["amount"] = df["amount"].astype(float).fillna(0.0)
    df["checked"] = df["reason_code"].map(_checked_codes(db, str(period)))
    df = df.sort_values(["amount", "findings"], ascending=False, kind="stable")
    return _with_reason_text(df.reset_index(drop=True))


def section_totals(db: Database, period: str) -> dict[str, tuple[int, float]]:
    """Per reconciliation (a report section of the same name): its findings and the money at
    stake, as the section page and its badge on the summary page show them."""
    df = summary(db, period)
    return {recon: (int(part["findings"].sum()), float(part["amount"].sum()))
            for recon, part in df.groupby("recon", sort=False)}


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
    """Every finding of the period (optionally of one reconciliation), the most money first
    (findings without an amount last), with its explanation: ``explanation`` as the engine
    wrote it (English) and ``explanation_zh`` written in Chinese from its ``details``
    (:func:`recon_lib.labels.explain`; the English one where no template applies)."""
    df = db.query("discrepancy_list", period=str(period))
    if recon is not None:
        df = df[df["recon"] == recon]
    df = df.assign(amount=df["amount"].astype(float))
    df = df.sort_values("amount", ascending=False, na_position="last", kind="stable")
    df = df.reset_index(drop=True)
    with_zh = pd.Series([_explain_zh(r) for r in df.itertuples(index=False)], index=df.index,
                        dtype=object)
    df.insert(df.columns.get_loc("explanation") + 1, "explanation_zh", with_zh)
    return _with_reason_text(df)


def _explain_zh(row) -> str:
    with labels.language_as("zh"):
        return labels.explain(row.reason_code, row.key, row.order_id, row.details,
                              row.explanation)


def findings_view(findings: pd.DataFrame) -> pd.DataFrame:
    """The columns a page shows of :func:`discrepancies`: reason, key, order (when any finding
    has one), amount and the explanation in the reader's language (``RECON_LANGUAGE``)."""
    columns = ["reason_code", "key"]
    if findings["order_id"].notna().any():
        columns.append("order_id")
    shown = findings[[*columns, "amount"]].copy()
    shown["explanation"] = (findings["explanation"] if labels.language() == "en"
                            else findings["explanation_zh"])
    return shown


def receivables(db: Database, period: str) -> dict[str, float]:
    """The period's receivables, defined once for every page that shows them:

    - ``receivable``: dispatched orders with nothing credited at the period's end
      (:func:`receivables_aging`, every age);
    - ``not_settled`` (``not_settled_orders`` orders): of those, sales past their channel's
      settlement cycle, open in the register at the period's end (``sql/money_at_stake.sql``);
    - ``at_bank`` (``at_bank_payouts`` payouts): money the platforms paid out that the bank had
      not credited past the deposit window the run used (``sql/alerts_payouts_late.sql``, the
      payout_late alert's own measure), ``at_bank_period_orders`` of it for orders paid in the
      period (what the money page's "overdue at the bank" counts);
    - ``overdue`` = ``not_settled`` + ``at_bank``: 超期应收 Receivables overdue, the figure the
      summary page's headline shows."""
    p = parse_period(period)
    aging = receivables_aging(db, period)
    stake = db.query("money_at_stake", period=p.label, period_end=p.end_ts).iloc[0]
    used = db.value("runs_settings", period=p.label)  # the deposit window the run used
    window = json.loads(used).get("deposit_window_days") if used else None
    late = db.query("alerts_payouts_late", period_start=p.start_ts, period_end=p.end_ts,
                    window_days=int(window or DEFAULT_SETTINGS.deposit_window_days))
    at_bank = float(late["amount_cny"].sum()) if len(late) else 0.0
    ours = float(late["period_orders_cny"].sum()) if len(late) else 0.0
    not_settled = float(stake["not_settled_overdue"])
    return {"receivable": float(aging["amount"].sum()), "not_settled": not_settled,
            "not_settled_orders": int(stake["not_settled_orders"]), "at_bank": at_bank,
            "at_bank_payouts": len(late), "at_bank_period_orders": ours,
            "overdue": not_settled + at_bank}


def latest_run(db: Database, period: str) -> tuple[str, pd.Timestamp] | None:
    """The latest finished run of the period: (run id, when it finished), or None."""
    df = db.query("runs_period_latest", period=str(period))
    if not len(df):
        return None
    return str(df["run_id"].iloc[0]), pd.Timestamp(df["finished_at"].iloc[0])


def run_note(db: Database, period: str) -> str:
    """Where a page's figures come from: the run and when it finished (empty when none)."""
    run = latest_run(db, period)
    if run is None:
        return ""
    run_id, when = run
    return labels.both(f"本页数据来自 {when:%Y-%m-%d %H:%M} 完成的运行 {run_id}。",
                       f"Figures from run {run_id}, finished {when:%Y-%m-%d %H:%M}.")


def period_note(db: Database, period: str) -> str:
    """A warning for a page opened on a period that was never reconciled (its figures would all
    read 0): empty when the period has a finished run."""
    if latest_run(db, period) is not None:
        return ""
    return labels.both(
        f"注意：期间 {period} 没有加载过数据，也从未运行核对：下面的数字都是 0，是因为没有数据，"
        f"不是因为没有问题。请先运行 recon run --period {period}。",
        f"Warning: period {period} was never loaded or reconciled: every figure below is 0 "
        f"because there is no data, not because nothing went wrong. Run "
        f"`recon run --period {period}` first.")


def freight_by_carrier(db: Database, period: str) -> pd.DataFrame:
    """Per carrier: parcels, billed (every fee), cost per parcel and per kg, claimable, accrual,
    billing accuracy. Cost per parcel and per kg are the carrier scorecard's (one definition:
    freight lines' payable over the waybills billed for freight, and over their billed kg;
    ``sql/analytics_carrier_scorecard.sql``), so the freight page and the service page agree."""
    from recon_lib.analytics import carrier_scorecard

    df = db.query("freight_by_carrier", period=str(period), **parse_period(period).bounds())
    card = carrier_scorecard(db, period)
    cost = card.loc[card["level"] == "carrier", ["carrier", "cost_per_parcel", "cost_per_kg"]]
    df = df.merge(cost, on="carrier", how="left")
    df = df[["carrier", "parcels", "billed", "cost_per_parcel", "cost_per_kg", "claimable",
             "accrual", "billing_accuracy"]]
    money = ["billed", "cost_per_parcel", "cost_per_kg", "claimable", "accrual",
             "billing_accuracy"]
    df[money] = df[money].astype(float)
    return df


def freight_by_province(db: Database, period: str) -> pd.DataFrame:
    """Per carrier and destination province: parcels billed for freight, cost per parcel and per
    kg, from the carrier scorecard's province rows (the one definition of cost per parcel)."""
    from recon_lib.analytics import carrier_scorecard

    card = carrier_scorecard(db, period)
    rows = card[(card["level"] == "province") & (card["billed_parcels"] > 0)]
    df = rows[["carrier", "province", "billed_parcels", "cost_per_parcel", "cost_per_kg"]].rename(
        columns={"billed_parcels": "parcels"})
    df = df.sort_values(["carrier", "parcels"], ascending=[True, False]).reset_index(drop=True)
    df[["cost_per_parcel", "cost_per_kg"]] = df[["cost_per_parcel", "cost_per_kg"]].astype(float)
    return df


def freight_cost_matrix(db: Database, period: str) -> pd.DataFrame:
    """Cost per parcel by destination province (rows) and carrier (columns), busiest first;
    a parcel or bill line without a province last."""
    df = freight_by_province(db, period)
    matrix = df.pivot(index="province", columns="carrier", values="cost_per_parcel")
    busy = df.groupby("province")["parcels"].sum()
    order = sorted(busy.index, key=lambda p: (p == "(unknown)", -busy[p], p))
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


def _claims_tolerance(db: Database, period: str) -> float:
    """The ``amount_abs_tolerance`` the latest run of the period used (the default before)."""
    used = db.value("runs_settings", period=parse_period(period).label)
    return (json.loads(used) if used else {}).get("amount_abs_tolerance",
                                                  DEFAULT_SETTINGS.amount_abs_tolerance)


def claims_by_carrier(db: Database, period: str) -> pd.DataFrame:
    """Lost and damaged parcels per courier and incident (docs/claims.md): incidents of the
    period, those whose claim deadline ends in it with what the rules owe, what was received
    and what is outstanding (beyond the run's tolerance: the findings' money), how many had
    nothing paid, and those not yet due (``sql/claims_by_carrier.sql``)."""
    db.run("claims_incidents", **parse_period(period).bounds())
    df = db.query("claims_by_carrier", amount_tolerance=_claims_tolerance(db, period),
                  **parse_period(period).bounds())
    money = ["owed", "received", "outstanding", "not_yet_due_owed"]
    df[money] = df[money].astype(float)
    return df


def claims_incidents(db: Database, period: str, amount_tolerance: float | None = None,
                     ) -> pd.DataFrame:
    """Every lost or damaged parcel judged in the period or still within its deadline, with
    what its rule owes, what was received and where it stands (``claim_status``); the
    tolerance is the latest run's ``amount_abs_tolerance`` unless given."""
    if amount_tolerance is None:
        amount_tolerance = _claims_tolerance(db, period)
    db.run("claims_incidents", **parse_period(period).bounds())
    df = db.query("claims_incident_list", period_end=parse_period(period).end_ts,
                  amount_tolerance=amount_tolerance)
    df[["declared_value", "owed", "received"]] = df[["declared_value", "owed",
                                                     "received"]].astype(float)
    return df


def carrier_choice(db: Database, period: str):
    """The period's carrier choice (``recon_lib.carrier_choice``, docs/carrier-choice.md) under
    the constraints the latest run of the period was made with (``carrier_min_on_time_rate``,
    ``carrier_max_damage_rate`` of recon.yml; the defaults before any run)."""
    from recon_lib.carrier_choice import Constraints
    from recon_lib.carrier_choice import carrier_choice as choose

    used = db.value("runs_settings", period=parse_period(period).label)
    saved = json.loads(used) if used else {}
    rules = Constraints(
        saved.get("carrier_min_on_time_rate", DEFAULT_SETTINGS.carrier_min_on_time_rate),
        saved.get("carrier_max_damage_rate", DEFAULT_SETTINGS.carrier_max_damage_rate))
    return choose(db, period, rules)


def intake_by_channel(db: Database, period: str) -> pd.DataFrame:
    """The period's order-intake findings by reason and channel: ``reason_code``, ``channel``,
    ``findings`` and ``amount`` (yuan), the most money first."""
    df = db.query("intake_by_channel", period=str(period))
    df["findings"] = df["findings"].astype(int)
    df["amount"] = df["amount"].astype(float)
    return df


def purchase_grni(db: Database, period: str) -> pd.DataFrame:
    """The GRNI accrual (goods accepted, not invoiced) at the period's end per supplier, at PO
    prices before tax, aged 0-30, 31-60, 61-90 and over 90 days since receipt."""
    p = parse_period(str(period))
    df = db.query("purchase_grni", period_end=p.end_ts)
    money = ["grni", "grni_0_30", "grni_31_60", "grni_61_90", "grni_over_90"]
    df[money] = df[money].astype(float).fillna(0.0)
    return df


def purchase_payables(db: Database, period: str) -> pd.DataFrame:
    """What is owed each supplier at the period's end (应付): invoices with tax less the payments
    quoting them, aged 0-30, 31-60, 61-90 and over 90 days since the invoice date; payments
    quoting no invoice apart (``unallocated``) and taken off ``payable``."""
    p = parse_period(str(period))
    df = db.query("purchase_payables", period_end=p.end_ts)
    money = ["invoiced_total", "paid_to_date", "unallocated", "payable", "payable_0_30",
             "payable_31_60", "payable_61_90", "payable_over_90"]
    df[money] = df[money].astype(float).fillna(0.0)
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


def pnl(db: Database, period: str) -> pd.DataFrame:
    """The channel P&L and the balances at the period's end, one row per figure and channel
    (``all``: the total); a figure not known is NaN with a note (:func:`recon_lib.pnl.pnl`,
    docs/pnl.md)."""
    from recon_lib import pnl as channel_pnl

    return channel_pnl.pnl(db, period)


def pnl_lines(db: Database, period: str, figure: str, channel: str | None = None
              ) -> pd.DataFrame:
    """The rows one figure of :func:`pnl` sums (:func:`recon_lib.pnl.pnl_lines`)."""
    from recon_lib import pnl as channel_pnl

    return channel_pnl.pnl_lines(db, period, figure, channel)


def units_waterfall(db: Database, period: str) -> pd.DataFrame:
    """Units of the period's paid orders: ordered, shipped, delivered, lost, returned, received."""
    return db.query("units_waterfall", **parse_period(period).bounds())


def lifecycle(db: Database, period: str) -> pd.DataFrame:
    """One row per order paid in the period: legs, each leg's status, amounts, days between."""
    return db.query("lifecycle_list", period=str(period))


def first_to_do(db: Database, period: str, n: int = 10) -> pd.DataFrame:
    """What to do first: the open register items with the most money at stake at the period's
    end, across every reconciliation (amount, reason, key, owner, age in days, first seen)."""
    from recon_lib import register

    p = parse_period(period)
    items = register.items(db, p)
    items = items[items["status"].isin(("open", "in_progress"))
                  & (items["first_seen"].map(_starts_before(p.end)))]
    items = items.sort_values(["amount", "age_days"], ascending=[False, False],
                              na_position="last").head(n)
    return items[["recon", "reason_code", "key", "amount", "owner", "age_days", "first_seen",
                  "status"]].reset_index(drop=True)


def _starts_before(end):
    def check(label: str) -> bool:
        try:
            return parse_period(label).start < end
        except Exception:  # a label that is not a period: keep the item visible
            return True
    return check


def cod_by_carrier(db: Database, period: str) -> pd.DataFrame:
    """Per courier: COD parcels shipped in the period and their amount, the period's remittance
    lines (collected, fees, remitted) and the COD deposits the bank booked (see docs/cod.md)."""
    p = parse_period(period)
    used = db.value("runs_settings", period=p.label)  # the memo words the run used
    memo = json.loads(used).get("cod_deposit_memo") if used else None
    df = db.query("cod_by_carrier", cod_memo=memo or DEFAULT_SETTINGS.cod_deposit_memo,
                  **p.bounds())
    for column in ("cod_amount", "collected", "service_fees", "remitted", "deposited"):
        df[column] = df[column].astype(float)
    return df


def cod_outstanding(db: Database, period: str) -> pd.DataFrame:
    """Delivered COD parcels not remitted by the period's end, by courier and days since
    delivery; ``overdue`` is the part past the contract's remittance days."""
    df = db.query("cod_outstanding", period_end=parse_period(period).end_ts)
    for column in ("amount", "overdue"):
        df[column] = df[column].astype(float)
    return df
