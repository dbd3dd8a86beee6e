"""The demo's lost and damaged parcels, the couriers' compensation rules, and their payments.

Owed amounts follow ``sql/claims_incidents.sql``: multiple x basis (the parcel's freight line,
its goods at the order's unit price, or its declared value) rounded half up to the fen, at most
the rule's cap, and for an insured parcel at most its declared value. A claim is judged in the
period holding its deadline's end (the day after incident day + claim days).

Each month, of its own parcels (one freight line on the bill, no freight anomaly, no return, no
other injector's order):
  CLM_NOT_COMPENSATED  nothing paid by the deadline (uninsured and insured)
  CLM_SHORT            an uninsured parcel credited 1 to 20 yuan below the rule
  CLM_INSURED_SHORT    an insured parcel credited 60% of what its insurance pays
and near misses beside them: credited exactly the rule (some at the cap), a fen below it, more
than it, after the deadline but before the month's end, an insured damaged parcel paid the
rule's half of its declared value; incidents whose deadline ends next month, paid on the next
month's bill (carry-over: no finding in either month), one of them not paid and one paid short,
which are the next month's findings.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from recon_lib import schema
from recon_lib.demo.columns import isin
from recon_lib.demo.generator import DemoMonth

# carrier -> (claim days, {(incident, insured): (basis, multiple, cap in fen or None)})
RULES = {
    "SF": (10, {("lost", False): ("freight_multiple", "7", None),
                ("damaged", False): ("freight_multiple", "3.5", None),
                ("lost", True): ("declared_value", "1", None),
                ("damaged", True): ("declared_value", "0.5", None)}),
    "ZTO": (15, {("lost", False): ("goods_value", "1", 30_000),
                 ("damaged", False): ("goods_value", "0.5", 30_000),
                 ("lost", True): ("declared_value", "1", None),
                 ("damaged", True): ("declared_value", "0.5", None)}),
    "YTO": (15, {("lost", False): ("freight_multiple", "3", 20_000),
                 ("damaged", False): ("freight_multiple", "2", 20_000),
                 ("lost", True): ("declared_value", "1", None),
                 ("damaged", True): ("declared_value", "0.5", None)}),
    "JDL": (7, {("lost", False): ("goods_value", "1", 50_000),
                ("damaged", False): ("goods_value", "0.3", 50_000),
                ("lost", True): ("declared_value", "1", None),
                ("damaged", True): ("declared_value", "0.8", None)}),
}
RATE = 0.0015
"""Findings of each code per order (at least 2)."""


def compensation_rules(month: DemoMonth) -> pd.DataFrame:
    since = month.period.start.replace(month=1, day=1)
    rows = [{"carrier": c, "incident": incident, "insured": insured, "basis": basis,
             "multiple": Decimal(multiple), "cap_fen": cap, "claim_days": days,
             "effective_from": since, "effective_to": None}
            for c, (days, rules) in RULES.items()
            for (incident, insured), (basis, multiple, cap) in rules.items()]
    return pd.DataFrame(rows).astype({"cap_fen": "Int64"})


def _owed_fen(carrier: str, incident: str, insured: bool, freight: int, goods: int | None,
              declared: int) -> int | None:
    _, rules = RULES[carrier]
    basis, multiple, cap = rules[incident, insured]
    base = {"freight_multiple": freight, "goods_value": goods, "declared_value": declared}[basis]
    if base is None:
        return None
    owed = int((Decimal(multiple) * base).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if cap is not None:
        owed = min(owed, cap)
    return min(owed, declared) if insured else owed


def add_claims(month: DemoMonth, rate: float = RATE) -> None:
    """Rules, incidents on the tracking, credits on the bills, the answer key (see the module)."""
    rng = np.random.default_rng(month.seed + 808)
    t = month.tables
    t["compensation_rules"] = compensation_rules(month)
    start, end = pd.Timestamp(month.period.start_ts), pd.Timestamp(month.period.end_ts)
    for row in month.earlier.claims:   # the months before: deadlines that end in this one
        if row["judged_from"] == month.period.start:
            month.truth.append({k: v for k, v in row.items() if k != "judged_from"})
        else:
            month.carry.claims.append(row)

    n = max(2, round(len(t["orders"]) * rate))
    cand = _candidates(month, rng, limit=40 * n)
    if cand.empty:
        return
    cand["incident"] = np.where(rng.random(len(cand)) < 0.6, "lost", "damaged")
    hours = rng.integers(12, 72, len(cand))
    cand["incident_time"] = cand["ship_time"] + pd.to_timedelta(hours, unit="h")
    cand = cand[cand["incident_time"] < end].reset_index(drop=True)
    cand["claim_days"] = cand["carrier"].map({c: d for c, (d, _) in RULES.items()})
    cand["due"] = cand["incident_time"].dt.normalize() + pd.to_timedelta(
        cand["claim_days"] + 1, unit="D")
    due_now = ((cand["due"] > start) & (cand["due"] <= end)).to_numpy()
    # a small month has few orders above 500 yuan: declare a few parcels' goods value
    insured = cand["insured"].to_numpy()
    plain_now = np.flatnonzero(due_now & ~insured)
    need = 3 - int((due_now & insured).sum())
    if need > 0:   # leaving two parcels for the uninsured codes
        _insure(month, cand, plain_now[:max(0, min(need, len(plain_now) - 2))])
    cand["owed_fen"] = [
        _owed_fen(r.carrier, r.incident, r.insured, r.freight_fen, r.goods_fen, r.declared_fen)
        for r in cand.itertuples()]
    cand = cand[cand["owed_fen"].notna() & (cand["owed_fen"] > 200)].reset_index(drop=True)

    now = cand[(cand["due"] > start) & (cand["due"] <= end)]
    later = cand[cand["due"] > end]
    insured, plain = now[now["insured"]], now[~now["insured"]]
    plain_rows = list(plain.itertuples())
    insured_lost = [r for r in insured.itertuples() if r.incident == "lost"]
    insured_damaged = [r for r in insured.itertuples() if r.incident == "damaged"]

    credits: list[dict] = []
    incidents: list = []

    def take(rows: list, k: int) -> list:
        got = rows[:k]
        del rows[:k]
        incidents.extend(got)
        return got

    def credit(r, fen: int, day=None) -> None:
        day = day if day is not None else _credit_day(rng, r, end)
        credits.append({"carrier": r.carrier, "waybill_no": r.tracking_no, "bill_date": day,
                        "fee_type": "compensation", "dest_province": None,
                        "billed_weight_kg": np.nan, "amount_fen": -fen, "discount_fen": 0,
                        "payable_fen": -fen})

    def add(code: str, r, fen: int, note: str, month_truth: list | None = None) -> None:
        (month.truth if month_truth is None else month_truth).append({
            "recon": "claims", "reason_code": code, "key": r.tracking_no,
            "order_id": r.order_id, "amount": fen / 100, "note": note})

    def not_paid(r) -> None:
        add("CLM_NOT_COMPENSATED", r, int(r.owed_fen), f"{r.incident}, not compensated")

    def paid_short(r) -> None:
        short = min(int(rng.integers(1, 21)) * 100, int(r.owed_fen) - 100)
        credit(r, int(r.owed_fen) - short)
        add("CLM_SHORT", r, short, f"{r.incident}, credited {short / 100:.2f} short")

    def insured_short(r) -> None:   # paid 60% of what the insurance pays
        paid = int(r.owed_fen) * 6 // 10
        credit(r, paid)
        add("CLM_INSURED_SHORT", r, int(r.owed_fen) - paid, f"insured {r.incident}, paid 60%")

    # one of each code first (a small month has few parcels to spare), then the rest
    for r in take(plain_rows, 1):
        not_paid(r)
    for r in take(plain_rows, 1):
        paid_short(r)
    for r in take(insured_lost, 1) or take(insured_damaged, 1):
        insured_short(r)
    for r in take(plain_rows, n - 1) + take(insured_lost, 1):
        not_paid(r)
    for r in take(plain_rows, n - 1):
        paid_short(r)
    for r in take(insured_lost, n - 1) + take(insured_damaged, 1):
        insured_short(r)
    # near misses
    for r in take(plain_rows, n):          # exactly the rule (the cap where it binds)
        credit(r, int(r.owed_fen))
    for r in take(plain_rows, n):          # a fen below: rounding
        credit(r, int(r.owed_fen) - 1)
    for r in take(plain_rows, 2):          # more than the rule: no claim
        credit(r, int(r.owed_fen) + 500)
    for r in take(plain_rows, 2):          # after the deadline, before the month's end
        late = (r.due + timedelta(days=1)).date()
        credit(r, int(r.owed_fen), late if pd.Timestamp(late) < end else None)
    for r in take(insured_damaged, n):     # below the declared value, as the rule says
        credit(r, int(r.owed_fen))
    for r in take(insured_lost, 1):        # the declared value in full
        credit(r, int(r.owed_fen))

    # deadlines in the next month: not judged now; paid on the next month's bill, except one
    # not paid and one paid short, which are the next month's findings
    following = month.period.end
    carried: list[dict] = []
    late_rows = list(later.itertuples())
    for i, r in enumerate(late_rows[:3 * n]):
        incidents.append(r)
        if i == 0:
            add("CLM_NOT_COMPENSATED", r, int(r.owed_fen), f"{r.incident}, not compensated",
                carried)
            continue
        fen = int(r.owed_fen) - (300 if i == 1 else 0)
        if i == 1:
            add("CLM_SHORT" if not r.insured else "CLM_INSURED_SHORT", r, 300,
                f"{r.incident}, credited 3.00 short on the next bill", carried)
        day = following + timedelta(days=int(rng.integers(0, max(1, (r.due - end).days))))
        credits.append({"carrier": r.carrier, "waybill_no": r.tracking_no, "bill_date": day,
                        "fee_type": "compensation", "dest_province": None,
                        "billed_weight_kg": np.nan, "amount_fen": -fen, "discount_fen": 0,
                        "payable_fen": -fen})
    for row in carried:
        month.carry.claims.append({**row, "judged_from": following})

    _track(month, pd.DataFrame(incidents))
    credits_df = pd.DataFrame(credits)
    if credits_df.empty:
        return
    next_bill = (pd.to_datetime(credits_df["bill_date"]) >= end).to_numpy()
    lines = t["courier_bill_lines"]
    t["courier_bill_lines"] = pd.concat([lines, credits_df[~next_bill]], ignore_index=True)
    held = month.carry.records.get("courier_bill_lines")
    month.carry.records["courier_bill_lines"] = (
        credits_df[next_bill] if held is None
        else pd.concat([held, credits_df[next_bill]], ignore_index=True))


def _insure(month: DemoMonth, cand: pd.DataFrame, at: np.ndarray) -> None:
    """Declare the goods value of the parcels at ``at`` (保价) and bill their insurance as the
    couriers' bills do (0.5% of the declared value, at least 1 yuan, on the freight line's day)."""
    if not len(at):
        return
    t = month.tables
    cand.loc[cand.index[at], "declared_fen"] = cand["goods_fen"].to_numpy()[at]
    cand.loc[cand.index[at], "insured"] = True
    picked = cand.iloc[at]
    ships = t["shipments"]
    rows = isin(ships["tracking_no"], picked["tracking_no"])
    declared = picked.set_index("tracking_no")["declared_fen"]
    ships.loc[rows, "declared_value_fen"] = ships.loc[rows, "tracking_no"].map(declared).to_numpy()
    lines = t["courier_bill_lines"]
    freight = lines[(lines["fee_type"] == "freight") & isin(lines["waybill_no"],
                                                             picked["tracking_no"])]
    fee = np.maximum(100, np.floor(freight["waybill_no"].map(declared).to_numpy() * 0.005
                                   + 0.5).astype(np.int64))
    insurance = freight.assign(fee_type="insurance", billed_weight_kg=np.nan, amount_fen=fee,
                               discount_fen=0, payable_fen=fee)
    t["courier_bill_lines"] = pd.concat([lines, insurance], ignore_index=True)


def _credit_day(rng: np.random.Generator, r, end: pd.Timestamp):
    """A day after the incident, by its deadline and before the month's end."""
    first = r.incident_time.normalize() + pd.Timedelta(days=1)
    last = min(r.due - pd.Timedelta(days=1), end - pd.Timedelta(days=1))
    span = max(0, (last - first).days)
    return (first + pd.Timedelta(days=int(rng.integers(0, span + 1)))).date()


def _candidates(month: DemoMonth, rng: np.random.Generator, limit: int) -> pd.DataFrame:
    """Up to ``limit`` of the month's parcels, in random order, a clean incident can befall: one
    freight line on the month's bill and no freight finding, one parcel per waybill and per
    order, no return, no cash on delivery, no other injector's order, every SKU priced on the
    order; with their freight, goods value and declared value (fen)."""
    t = month.tables
    ships = t["shipments"]
    lines = t["courier_bill_lines"]
    freight = lines[lines["fee_type"] == "freight"]
    once = freight["waybill_no"].value_counts()
    once = once.index[(once == 1).to_numpy()]
    flagged = {str(r["key"]).split("|")[0] for r in month.truth if r["recon"] == "freight"}
    busy = set(month.reserved) | {r["order_id"] for r in month.truth if r["order_id"]}
    returned = t["return_requests"]["order_id"] if "return_requests" in t else []
    ok = (isin(ships["tracking_no"], once) & ~isin(ships["tracking_no"], list(flagged))
          & ~isin(ships["order_id"], list(busy)) & ~isin(ships["order_id"], returned)
          & ~ships["tracking_no"].duplicated(keep=False).to_numpy()
          & ~ships["order_id"].duplicated(keep=False).to_numpy()
          & isin(ships["carrier"], list(RULES)))
    if "cod_amount_fen" in ships:   # the courier collects a COD parcel's money on delivery
        ok &= ships["cod_amount_fen"].isna().to_numpy()
    at = np.flatnonzero(ok)
    at = at[rng.permutation(len(at))]
    insured = (ships["declared_value_fen"].fillna(0).to_numpy()[at] > 0)
    at = np.sort(np.concatenate([at[insured][:limit], at[~insured][:limit]]))
    at = at[rng.permutation(len(at))]
    cand = ships.iloc[at][["tracking_no", "shipment_id", "order_id", "carrier", "ship_time",
                           "declared_value_fen"]].reset_index(drop=True)
    single = freight[isin(freight["waybill_no"], cand["tracking_no"])]
    cand["freight_fen"] = cand["tracking_no"].map(
        single.set_index("waybill_no")["payable_fen"]).astype(np.int64)
    packed = t["shipment_lines"]
    packed = packed[isin(packed["shipment_id"], cand["shipment_id"])].merge(
        cand[["shipment_id", "order_id"]], on="shipment_id")
    prices = (t["order_lines"][isin(t["order_lines"]["order_id"], cand["order_id"])]
              .groupby(["order_id", "sku"], as_index=False)["unit_price_fen"].max())
    packed = packed.merge(prices, on=["order_id", "sku"], how="left")
    packed["value"] = packed["qty"] * packed["unit_price_fen"]
    goods = packed.groupby("shipment_id").agg(goods_fen=("value", "sum"),
                                              priced=("unit_price_fen", "count"),
                                              lines=("sku", "size"))
    goods = goods[goods["priced"] == goods["lines"]]
    cand = cand.merge(goods[["goods_fen"]], left_on="shipment_id", right_index=True)
    cand["goods_fen"] = cand["goods_fen"].astype(np.int64)
    cand["declared_fen"] = cand["declared_value_fen"].fillna(0).astype(np.int64)
    cand["insured"] = cand["declared_fen"] > 0
    return cand.reset_index(drop=True)


def _track(month: DemoMonth, incidents: pd.DataFrame) -> None:
    """A lost or damaged event for each incident; a lost parcel is never delivered."""
    if incidents.empty:
        return
    t = month.tables
    events = pd.DataFrame({
        "tracking_no": incidents["tracking_no"].to_numpy(),
        "carrier": incidents["carrier"].to_numpy(),
        "event_type": incidents["incident"].to_numpy(),
        "event_time": incidents["incident_time"].to_numpy(),
        "promised_date": None,
        "location": None,
    })
    lost = incidents.loc[incidents["incident"] == "lost", "tracking_no"]
    for frame, put in ((t.get("tracking_events"), lambda df: t.__setitem__("tracking_events", df)),
                       (month.carry.records.get("tracking_events"),
                        lambda df: month.carry.records.__setitem__("tracking_events", df))):
        if frame is None:
            continue
        gone = isin(frame["tracking_no"], lost) & (frame["event_type"] == "delivered").to_numpy()
        put(frame[~gone].reset_index(drop=True))
    t["tracking_events"] = (pd.concat([t["tracking_events"], events], ignore_index=True)
                            .sort_values("event_time", kind="stable").reset_index(drop=True))
    assert set(t["tracking_events"]["event_type"]) <= set(schema.TRACKING_EVENTS)
