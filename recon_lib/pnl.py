"""The channel P&L of a period (渠道损益) and the balances at its end, each figure the sum of the
lines it drills down to (see docs/pnl.md).

Absent is not zero: a figure whose source is missing for the period (no courier bill, no
settlement lines of a channel, a SKU without a unit cost) is *not known* (``amount`` NaN) with a
note naming what is missing, and so is every total and contribution it is part of.
"""

from __future__ import annotations

import pandas as pd

from recon_lib import coverage, labels, schema
from recon_lib.db import Database
from recon_lib.labels import both
from recon_lib.periods import parse_period

PAYMENT_CHANNELS = ("shop", "alipay", "wechat", "paypal", "stripe")
"""Channels whose settlement is a payment service's: their commission and fee lines are payment
fees. A marketplace's (tmall, jd...) are platform fees, its payment fee included in them."""

UNASSIGNED = "(unassigned)"
"""The channel of a bill line or finding whose waybill is not one of our parcels."""
ALL = "all"

LINE_FIGURES = ("gross_sales", "discounts", "refunds", "platform_fees", "payment_fees",
                "cod_fees", "cod_fee_claims", "freight_billed", "freight_claims",
                "parcel_compensation", "parcel_claims", "packaging", "cogs", "fx_difference",
                "freight_accrued", "cod_receivable")
"""Figures summed from their lines (sql/pnl_stage.sql)."""
PNL = ("gross_sales", "discounts", "net_sales", "refunds", "platform_fees", "payment_fees",
       "cod_fees", "cod_fee_claims", "freight_billed", "freight_claims", "freight_after_claims",
       "parcel_compensation", "parcel_claims", "cogs", "fx_difference",
       "contribution_before_packaging", "packaging", "net_contribution")
"""The P&L's lines, top to bottom."""
BALANCES = ("receivables", "cod_receivable", "supplier_payables", "freight_accrued",
            "freight_unpaid")
"""Balances at the period's end, shown under the P&L (not part of the contribution)."""
_CONTRIBUTION = ("gross_sales", "discounts", "refunds", "platform_fees", "payment_fees",
                 "cod_fees", "cod_fee_claims", "freight_billed", "freight_claims",
                 "parcel_compensation", "parcel_claims", "cogs", "fx_difference")
DERIVED = {"net_sales": ("gross_sales", "discounts"),
           "freight_after_claims": ("freight_billed", "freight_claims"),
           "contribution_before_packaging": _CONTRIBUTION,
           "net_contribution": (*_CONTRIBUTION, "packaging")}
"""Computed figures and the lines they are made of (what they drill down to). Packaging is
known only where the couriers' bills carry it: the contribution before it is shown apart."""
SIGNS = {"gross_sales": 1, "discounts": -1, "refunds": -1, "platform_fees": -1,
         "payment_fees": -1, "cod_fees": -1, "cod_fee_claims": 1, "freight_billed": -1,
         "freight_claims": 1, "parcel_compensation": 1, "parcel_claims": 1, "packaging": -1,
         "cogs": -1, "fx_difference": 1}
"""How each line enters net contribution (costs are positive amounts)."""
NEEDS = {"gross_sales": ("orders", "shipments"), "discounts": ("orders", "shipments"),
         "refunds": ("refunds",), "platform_fees": ("settlement_lines",),
         "payment_fees": ("settlement_lines",), "freight_billed": ("courier_bill_lines",),
         "freight_claims": ("courier_bill_lines",), "packaging": ("courier_bill_lines",),
         "parcel_compensation": ("courier_bill_lines",),
         "parcel_claims": ("courier_bill_lines", "tracking_events"),
         "cogs": ("shipment_lines", "products"), "freight_accrued": ("courier_bill_lines",),
         "receivables": ("settlement_lines",)}
"""The period's sources each figure is computed from: one not loaded makes it not known."""
COD_NEEDS = {"cod_fees": ("cod_remittances",), "cod_fee_claims": ("cod_remittances",),
             "cod_receivable": ("cod_remittances", "tracking_events")}
"""What the COD figures need once there are COD parcels (shipments.cod_amount) by the
period's end; a merchant without any has no COD fee and nothing with the couriers (0)."""
CLAIMS_NEEDS = ("compensation_rules",)
"""What parcel_claims needs besides NEEDS once a parcel of ours was lost or damaged."""


def _line_label(figure: str) -> labels.Label:
    """A P&L line's name as the page shows it, without its sign (减：包装费 -> 包装费)."""
    found = labels.catalogue().values.get("pnl_line", {}).get(figure)
    if found is None:
        return labels.Label(figure, figure)
    return labels.Label(found.zh.split("：", 1)[-1],
                        found.en.removeprefix("Less ").removeprefix("Add "))


def _stage(db: Database, period: str) -> None:
    p = parse_period(period)
    db.run("pnl_stage", period=p.label, payment_channels=list(PAYMENT_CHANNELS), **p.bounds())


def _missing(states: dict[str, str], figure: str, context=None) -> list[str]:
    needs = list(NEEDS.get(figure, ()))
    if context is not None and context.cod_parcels:
        needs += COD_NEEDS.get(figure, ())
    if context is not None and context.incidents and figure == "parcel_claims":
        needs += CLAIMS_NEEDS
    return [s for s in dict.fromkeys(needs) if states.get(s) != coverage.LOADED]


WITHOUT_AMOUNT = {
    "parcel_claims": ("条理赔差异缺少金额（理赔标准所需数值未知）",
                      "claims findings without an amount (a value the compensation rule needs "
                      "is not known)"),
}
"""Why a line of a figure has no amount (default: a SKU without a unit cost)."""


def pnl(db: Database, period: str) -> pd.DataFrame:
    """The P&L per channel and in total (channel ``all``), then the balances at the period's
    end: ``section`` (``pnl``/``balance``), ``figure``, ``channel``, ``amount`` (CNY, NaN when
    not known) and ``note`` (why not known, or what the figure leaves out)."""
    p = parse_period(period)
    _stage(db, p.label)
    figures = db.query("pnl_figures")
    sources = db.query("pnl_sources", **p.bounds())
    states = {s.name: s.state for s in coverage.source_states(
        db, p, ["orders", "shipments", "refunds", "settlement_lines", "courier_bill_lines",
                "shipment_lines", "products", "bank_transactions", "tracking_events",
                "cod_remittances"], {}, ["supplier_invoices", "compensation_rules"])}
    context = db.query("pnl_context", period_end=p.bounds()["period_end"]).iloc[0]
    channels = _channel_order(set(sources["channel"]) | set(figures["channel"]))
    found = {(r.figure, r.channel): r for r in figures.itertuples(index=False)}
    currencies = dict(zip(sources["channel"], sources["currency"], strict=True))
    unsettled = set(sources.loc[(sources["orders"] > 0) & (sources["settlement_lines"] == 0),
                                "channel"])
    packaging_billed = any(f == "packaging" for f, _ in found)
    values: dict[tuple[str, str], float | None] = {}
    notes: dict[tuple[str, str], str] = {}

    for figure in LINE_FIGURES:
        missing = _missing(states, figure, context)
        for ch in channels:
            row = found.get((figure, ch))
            value: float | None = float(row.amount) if row is not None and row.amount is not None \
                and row.lines_without_amount == 0 else 0.0
            note = ""
            if row is not None and row.lines_without_amount:
                zh, en = WITHOUT_AMOUNT.get(figure, (
                    "行缺少金额（商品无单位成本）",
                    "lines without an amount (SKU without a unit cost in products)"))
                value, note = None, both(f"{row.lines_without_amount:,} {zh}",
                                         f"{row.lines_without_amount:,} {en}")
            if missing:
                value, note = None, _no_source(missing, p.label)
            elif figure in ("platform_fees", "payment_fees") and ch in unsettled:
                value, note = None, both(f"{ch} 本期没有结算明细", f"no settlement lines of "
                                         f"{ch} in {p.label}")
            elif figure == "packaging" and not packaging_billed:
                value, note = None, both(
                    "本期快递账单没有包装费行，包装成本没有其他来源",
                    f"no packaging line on the couriers' bills of {p.label}, and packaging cost "
                    "has no other source")
            elif figure == "fx_difference" and currencies.get(ch, "CNY") != "CNY" \
                    and states.get("bank_transactions") != coverage.LOADED:
                value, note = None, _no_source(["bank_transactions"], p.label)
            values[figure, ch] = value
            if note:
                notes[figure, ch] = note
    for figure in LINE_FIGURES:
        values[figure, ALL], note = _total(values, notes, figure, channels)
        if note:
            notes[figure, ALL] = note
    notes.setdefault(("platform_fees", ALL), both(
        "支付渠道（" + "、".join(PAYMENT_CHANNELS) + "）的费用计入支付手续费",
        "fees of payment channels (" + ", ".join(PAYMENT_CHANNELS) + ") are payment fees"))
    notes.setdefault(("payment_fees", ALL), both(
        "平台渠道的支付手续费已含在平台费用中", "a marketplace's payment fee is inside its "
        "platform fees"))
    if not context.cod_parcels:
        for figure in COD_NEEDS:
            notes.setdefault((figure, ALL), both(
                "截至期末没有货到付款包裹", f"no COD parcel shipped by the end of {p.label}"))
    notes.setdefault(("parcel_compensation", ALL), both(
        "本期快递账单上的理赔贷项；银行转账收到的赔款不在损益中",
        "compensation credits on the period's courier bills; compensation paid by bank "
        "transfer is not in the P&L"))
    for ch in [*channels, ALL]:
        for figure, parts in DERIVED.items():
            unknown = [f for f in parts if values.get((f, ch)) is None]
            if unknown:
                values[figure, ch] = None
                names = [_line_label(f) for f in unknown]
                notes[figure, ch] = both("未知：" + "、".join(n.zh for n in names),
                                         "not known: " + ", ".join(n.en for n in names))
            elif figure in ("net_contribution", "contribution_before_packaging"):
                values[figure, ch] = round(sum(SIGNS[f] * values[f, ch] for f in parts), 2)
            else:
                a, b = parts
                values[figure, ch] = round(values[a, ch] - values[b, ch], 2)

    rows = [("pnl", f, ch, values[f, ch], notes.get((f, ch), ""))
            for f in PNL for ch in [*channels, ALL]]
    rows += _balances(db, p.label, states, channels, values, notes)
    df = pd.DataFrame(rows, columns=["section", "figure", "channel", "amount", "note"])
    df["amount"] = df["amount"].astype(float).round(2)
    return df


def _total(values, notes, figure: str, channels: list[str]) -> tuple[float | None, str]:
    parts = [values[figure, ch] for ch in channels]
    unknown = [ch for ch, v in zip(channels, parts, strict=True) if v is None]
    if unknown:
        why = {notes.get((figure, ch), "") for ch in unknown}
        return None, "; ".join(sorted(w for w in why if w))
    return round(sum(parts), 2), ""


def _no_source(missing: list[str], period: str) -> str:
    return both("缺少本期数据：" + "、".join(missing),
                f"no {', '.join(missing)} loaded for {period}")


def _balances(db: Database, period: str, states, channels, values, notes) -> list[tuple]:
    from recon_lib import results

    rows = []
    aging = results.receivables_aging(db, period)
    by_channel = aging.groupby("channel")["amount"].sum() if len(aging) else pd.Series(dtype=float)
    missing = _missing(states, "receivables")
    for ch in [*channels, ALL]:
        if missing:
            rows.append(("balance", "receivables", ch, None, _no_source(missing, period)))
        else:
            amount = float(by_channel.sum()) if ch == ALL else float(by_channel.get(ch, 0.0))
            rows.append(("balance", "receivables", ch, round(amount, 2), ""))
    if states.get("supplier_invoices") == coverage.LOADED:
        payables = results.purchase_payables(db, period)
        rows.append(("balance", "supplier_payables", ALL, round(float(payables["payable"].sum()), 2),
                     both("按供应商，不分渠道", "per supplier, not per channel")))
    else:
        rows.append(("balance", "supplier_payables", ALL, None,
                     both("没有加载供应商发票", f"no supplier_invoices loaded up to {period}")))
    for figure in ("freight_accrued", "cod_receivable"):
        for ch in [*channels, ALL]:
            rows.append(("balance", figure, ch, values[figure, ch], notes.get((figure, ch), "")))
    rows.append(("balance", "freight_unpaid", ALL, None, both(
        "没有快递费付款记录来源，已开票未付运费未知",
        "no source records payments to couriers: billed freight not yet paid is not known")))
    return rows


def channel_currencies(db: Database, period: str) -> dict[str, str]:
    """Each channel's settlement currency in the period (the most used; CNY without lines)."""
    df = db.query("pnl_sources", **parse_period(period).bounds())
    return dict(zip(df["channel"], df["currency"], strict=True))


def _channel_order(names: set[str]) -> list[str]:
    known = [c for c in schema.CHANNELS if c in names]
    return known + sorted(n for n in names if n not in schema.CHANNELS and n != UNASSIGNED) \
        + ([UNASSIGNED] if UNASSIGNED in names else [])


def pnl_lines(db: Database, period: str, figure: str, channel: str | None = None) -> pd.DataFrame:
    """The rows behind one figure of :func:`pnl` (``channel`` None or ``all``: every channel):
    for a line, its source records (``source``, ``record``, ``order_id``, ``amount``); for a
    computed figure, the lines of the figures it is made of (``figure`` tells them apart); for
    receivables and supplier payables, the aging rows they sum."""
    from recon_lib import results

    ch = None if channel in (None, ALL) else channel
    if figure == "receivables":
        df = results.receivables_aging(db, period)
        return df if ch is None else df[df["channel"] == ch].reset_index(drop=True)
    if figure == "supplier_payables":
        return results.purchase_payables(db, period)
    parts = DERIVED.get(figure, (figure,))
    if any(f not in LINE_FIGURES for f in parts):
        raise ValueError(f"figure must be one of {', '.join((*PNL, *BALANCES[:4]))}, "
                         f"got {figure!r}")
    _stage(db, period)
    frames = [db.query("pnl_drill", figure=f, channel=ch) for f in parts]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    df["amount"] = df["amount"].astype(float)
    return df


def pnl_table(df: pd.DataFrame, section: str = "pnl") -> pd.DataFrame:
    """:func:`pnl` as a statement: a row per figure (``pnl_line``), a column per channel and
    ``all``; a figure not known is empty, a figure not kept per channel too."""
    part = df[df["section"] == section]
    table = part.pivot(index="figure", columns="channel", values="amount")
    order = PNL if section == "pnl" else BALANCES
    columns = list(dict.fromkeys(part["channel"]))
    table = table.reindex(index=[f for f in order if f in table.index], columns=columns)
    return table.reset_index().rename(columns={"figure": "pnl_line"}).rename_axis(columns=None)


BRIDGE = ("discounts", "refunds", "platform_fees", "payment_fees", "cod_fees", "cod_fee_claims",
          "freight_after_claims", "parcel_compensation", "parcel_claims", "cogs",
          "fx_difference", "packaging")


def pnl_bridge(df: pd.DataFrame, channel: str = ALL) -> pd.DataFrame:
    """From gross sales to the contribution, for :func:`recon_lib.charts.waterfall`: ``label``
    and ``amount`` (what falls out positive), ending at the net contribution, or at the one
    before packaging when packaging is not known; empty when that is not known either."""
    from recon_lib import labels

    values = df[(df["section"] == "pnl") & (df["channel"] == channel)].set_index("figure")
    amount = values["amount"]
    end = "net_contribution" if pd.notna(amount.get("net_contribution")) \
        else "contribution_before_packaging"
    if pd.isna(amount.get(end)):
        return pd.DataFrame(columns=["label", "amount"])
    steps = [f for f in BRIDGE if not (f == "packaging" and end != "net_contribution")]
    rows = [("gross_sales", amount["gross_sales"])]
    rows += [(f, -SIGNS.get(f, -1) * amount[f]) for f in steps]
    rows.append((end, amount[end]))
    return pd.DataFrame([(labels.value("pnl_line", f), round(float(a), 2)) for f, a in rows],
                        columns=["label", "amount"])


def pnl_notes(df: pd.DataFrame) -> pd.DataFrame:
    """The notes of :func:`pnl`: what is not known and why, what a figure leaves out."""
    shown = df[df["note"] != ""][["figure", "channel", "note"]]
    # a note its total carries too is said once, on the total
    on_total = set(zip(shown.loc[shown["channel"] == ALL, "figure"],
                       shown.loc[shown["channel"] == ALL, "note"], strict=True))
    said = [ch == ALL or (f, n) not in on_total
            for f, ch, n in shown.itertuples(index=False, name=None)]
    return shown[said].rename(columns={"figure": "pnl_line"}).reset_index(drop=True)
