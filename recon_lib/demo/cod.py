"""The demo's cash on delivery (货到付款): COD parcels, the couriers' remittances and their deposits.

A share of the own shop's orders (and, in a small month, of Douyin's: its shops offer 货到付款
too) is paid on delivery: the parcel carries a COD amount (``shipments.cod_amount``), the order
is not settled by a platform. Twice a week (Tuesday and Friday) each courier remits what it
collected from the parcels delivered at least two days before, less its COD fee (rate x amount,
at least the minimum; ``cod_terms``), in one batch per courier and day, and pays the batch into
the bank the next day or so. SF and ZTO quote the batch number in the transfer's memo; YTO's
memo only says 代收货款, so its deposits are paired by courier, amount and day. A parcel
delivered in the month's last days is remitted next month (carried, as the other legs are).

Amounts are integer fen; the fee is rounded half up exactly as ``sql/cod_lines.sql`` does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from recon_lib.demo import carry
from recon_lib.demo.columns import isin
from recon_lib.demo.generator import HOUR, DemoMonth
from recon_lib.demo.writer import FileLayout
from recon_lib.periods import Period

COD_SHARE = 0.2
"""Share of the own shop's orders paid on delivery."""
MIN_COD = 20
"""COD parcels a month has at least (Douyin orders make up the number in a small month): room
for every COD code and its near misses."""
RATE = 0.03
"""Injected cases per code, as a share of the month's COD parcels (at least one)."""
BATCH_RATE = 0.05
"""Injected batch cases per code, as a share of the month's remittance batches (at least one)."""
BATCH_DAYS = (1, 4)
"""Weekdays the couriers remit (Tuesday, Friday)."""
FIRST_BATCH_AFTER_DAYS = 2
"""A parcel is remitted in the first batch at least this many days after its delivery day."""

TERMS = {   # carrier: remit days, fee rate (ppm), minimum fee (fen), name on the bank statement
    "SF": (7, 10_000, 200, "顺丰速运有限公司"),
    "ZTO": (10, 8_000, 100, "中通快递股份有限公司"),
    "YTO": (10, 8_000, 100, "圆通速递有限公司"),
    "JDL": (7, 10_000, 200, "北京京邦达贸易有限公司"),
}
QUOTES_BATCH = {"SF", "ZTO"}
"""Couriers whose transfers quote the batch number (YTO's memo says only 代收货款)."""
MEMO = "代收货款"
ACCOUNT = "6222****0719"

REMITTANCE_COLUMNS = ["carrier", "batch_no", "remit_date", "tracking_no", "signed_at",
                      "collected_amount_fen", "service_fee_fen", "remitted_amount_fen"]


STATEMENT_TITLE = "代收货款回款明细"


def layouts(period: Period) -> list[tuple[str, str | None, FileLayout]]:
    """The COD files of a month: the terms, and each courier's remittance statement (SF's with a
    title and a totals line above the header, ZTO's a workbook with a title row, YTO's plain)."""
    label = period.label
    return [
        ("cod_terms", None, FileLayout("cod_terms.csv", "cod_terms")),
        ("cod_remittances", "SF", FileLayout(f"顺丰代收货款回款明细_{label}.csv",
                                             "cod_remittance_statement",
                                             preamble=(f"顺丰速运 {STATEMENT_TITLE}",))),
        ("cod_remittances", "ZTO", FileLayout(
            f"中通代收货款结算明细_{label}.xlsx", "cod_remittance_statement",
            title_rows=(f"中通快递 {period.start:%Y年%m月} {STATEMENT_TITLE}",))),
        ("cod_remittances", "YTO", FileLayout(f"yto_cod_{label}.csv",
                                              "cod_remittance_statement")),
    ]


def with_totals(df: pd.DataFrame, layout: FileLayout) -> FileLayout:
    """A CSV statement's layout with its totals line (合计, count, sums) between its title and its
    header, in the header's columns, as the couriers print it."""
    if layout.excel or not layout.preamble:
        return layout
    fen = (df["collected_amount_fen"].sum(), df["service_fee_fen"].sum(),
           df["remitted_amount_fen"].sum())
    money = [f"{int(v) // 100}.{int(v) % 100:02d}" for v in fen]
    line = ",".join(["合计", "", "", str(len(df)), "", *money])
    return replace(layout, preamble=(*layout.preamble, line))


def cod_terms(month: DemoMonth) -> pd.DataFrame:
    since = month.period.start.replace(month=1, day=1)
    return pd.DataFrame([
        {"carrier": c, "remit_days": days, "fee_rate": ppm / 1_000_000, "fee_min_fen": fee_min,
         "payer": payer, "effective_from": since, "effective_to": None}
        for c, (days, ppm, fee_min, payer) in TERMS.items()])


def contract_fee(collected_fen: np.ndarray, carrier: np.ndarray) -> np.ndarray:
    """The contract's fee in fen: rate x collected rounded half up, at least the minimum."""
    ppm = pd.Series(carrier, dtype=object).map({c: t[1] for c, t in TERMS.items()}).to_numpy()
    least = pd.Series(carrier, dtype=object).map({c: t[2] for c, t in TERMS.items()}).to_numpy()
    fee = (np.asarray(collected_fen, dtype=np.int64) * ppm.astype(np.int64) + 500_000) // 1_000_000
    return np.maximum(fee, least.astype(np.int64))


def cod_orders(month: DemoMonth) -> pd.Index:
    """Orders of the month's story (its parcels, carried ones too) paid on delivery."""
    ships = carry.story(month, "shipments")
    if "cod_amount_fen" not in ships:
        return pd.Index([], dtype=object)
    return pd.Index(ships.loc[ships["cod_amount_fen"].notna(), "order_id"].unique())


def mark(month: DemoMonth) -> None:
    """Make a share of the own shop's single-parcel orders COD (before the legs that follow the
    parcels are made): the parcel collects what the buyer owes. They are not reserved from the
    other injectors (a small month has few orders to spare): what those change on an order or a
    parcel (a phone, a bill line, a lost parcel) does not move a COD finding."""
    rng = np.random.default_rng(month.seed + 911)
    t = month.tables
    orders, ships = t["orders"], t["shipments"]
    parcels = ships.groupby("order_id").size()
    single = parcels.index[(parcels == 1).to_numpy()]
    ok = ((orders["status"] == "completed").to_numpy() & isin(orders["order_id"], single)
          & ~isin(orders["order_id"], month.reserved))
    shop = ok & (orders["channel"] == "shop").to_numpy()
    draw = rng.random(len(orders))
    picked = shop & (draw < COD_SHARE)
    short = MIN_COD - int(picked.sum())
    if short > 0:   # a small month: more of the shop, then Douyin orders
        for pool in (shop & ~picked, ok & (orders["channel"] == "douyin").to_numpy()):
            more = np.flatnonzero(pool & ~picked)[:max(short, 0)]
            picked[more] = True
            short -= len(more)
    chosen = orders.loc[picked, ["order_id", "paid_amount_fen"]]
    amount = pd.Series(chosen["paid_amount_fen"].to_numpy(), index=chosen["order_id"].to_numpy())
    ships["cod_amount_fen"] = pd.array(amount.reindex(ships["order_id"]).to_numpy(),
                                       dtype="Int64")


def _batch_day(day: date) -> date:
    """The first remittance day on or after ``day``."""
    while day.weekday() not in BATCH_DAYS:
        day += timedelta(days=1)
    return day


def _batch_no(carrier: str, day: date, month: DemoMonth) -> str:
    # the generating month closes the number: a batch day shared by two months' stories is two
    # batches, each paid on its own
    return f"{carrier}HK{day:%Y%m%d}{month.period.start:%m}"


def add(month: DemoMonth) -> None:
    """The month's COD legs: terms, remittance statements, their deposits; injected cases with
    near misses beside them, each in the answer key; remittances after the month go to the next.
    Runs after the platform payouts, before the bank statement is finished."""
    rng = np.random.default_rng(month.seed + 912)
    t = month.tables
    t["cod_terms"] = cod_terms(month)
    if "cod_amount_fen" not in t["shipments"]:
        t["shipments"]["cod_amount_fen"] = pd.array([None] * len(t["shipments"]), dtype="Int64")
    ships = carry.story(month, "shipments")
    ships = ships[ships["cod_amount_fen"].notna() & isin(ships["order_id"], t["orders"]["order_id"])]
    events = carry.story(month, "tracking_events")  # a delivery after the month's end too
    delivered = (events[(events["event_type"] == "delivered").to_numpy()
                        & isin(events["tracking_no"], ships["tracking_no"])]
                 .groupby("tracking_no")["event_time"].max())
    cod = ships[isin(ships["tracking_no"], delivered.index)].copy()
    cod["signed_at"] = delivered.reindex(cod["tracking_no"]).to_numpy()
    signed_day = pd.to_datetime(cod["signed_at"]).dt.date
    cod["remit_date"] = [_batch_day(d + timedelta(days=FIRST_BATCH_AFTER_DAYS)) for d in signed_day]
    cod["due_date"] = [d + timedelta(days=TERMS[c][0])
                       for d, c in zip(signed_day, cod["carrier"], strict=True)]
    fee = contract_fee(cod["cod_amount_fen"].to_numpy(dtype=np.int64), cod["carrier"].to_numpy())
    rem = pd.DataFrame({
        "carrier": cod["carrier"].to_numpy(), "tracking_no": cod["tracking_no"].to_numpy(),
        "signed_at": cod["signed_at"].to_numpy(), "remit_date": cod["remit_date"].to_numpy(),
        "due_date": cod["due_date"].to_numpy(),
        "collected_amount_fen": cod["cod_amount_fen"].to_numpy(dtype=np.int64),
        "service_fee_fen": fee,
        "remitted_amount_fen": cod["cod_amount_fen"].to_numpy(dtype=np.int64) - fee,
        "order_id": cod["order_id"].to_numpy(),
        "declared_value_fen": cod["declared_value_fen"].to_numpy(),
    })
    rem.index = pd.Index(rem["tracking_no"].to_numpy(dtype=object), name="waybill")
    rem = _inject_parcels(rng, month, rem)
    rem["batch_no"] = [_batch_no(c, d, month)
                       for c, d in zip(rem["carrier"], rem["remit_date"], strict=True)]
    deposits = _deposits(rng, month, rem)
    rem = rem.sort_values(["remit_date", "carrier", "batch_no", "tracking_no"], kind="stable")
    t["cod_remittances"] = rem[REMITTANCE_COLUMNS].reset_index(drop=True)
    carry.cut(month, "cod_remittances")
    carry.take(month, "cod_remittances")
    t["bank_transactions"] = pd.concat([t["bank_transactions"], deposits], ignore_index=True)


def _truth(month: DemoMonth, code: str, key: str, amount_fen, note: str,
           order_id: str | None = None) -> None:
    month.truth.append({"recon": "cod", "reason_code": code, "key": key, "order_id": order_id,
                        "amount": None if amount_fen is None else int(amount_fen) / 100,
                        "note": note})


def _inject_parcels(rng, month: DemoMonth, rem: pd.DataFrame) -> pd.DataFrame:
    """Parcel cases, one per parcel: not remitted, remitted short, fee over, remitted though
    refused; near misses: remitted late but inside the month, short or over by a cent, refused
    and not remitted, refused then delivered on a second try."""
    start, end = month.period.start, month.period.end
    t = month.tables
    returned = carry.story(month, "return_requests")["order_id"] if "return_requests" in t \
        else pd.Series([], dtype=object)
    ok = ((rem["remit_date"] >= start) & (rem["remit_date"] < end)
          & (pd.to_datetime(rem["signed_at"]) >= pd.Timestamp(start)).to_numpy()
          & ~isin(rem["order_id"], returned))
    # insured parcels (a declared value) first in the list, so taken last: the claims injector
    # needs them more
    insured = rem["declared_value_fen"].fillna(0).to_numpy() > 0
    free = [*rng.permutation(rem.index[ok.to_numpy() & insured].to_numpy(dtype=object)),
            *rng.permutation(rem.index[ok.to_numpy() & ~insured].to_numpy(dtype=object))]
    k = max(1, round(len(rem) * RATE))
    drop: list[str] = []
    events = t["tracking_events"]

    def take(where=lambda w: True):
        for i in range(len(free) - 1, -1, -1):
            if where(free[i]):
                return free.pop(i)
        return None

    def due_inside(w):
        return rem.at[w, "due_date"] < end

    def late_inside(w):
        return _batch_day(rem.at[w, "due_date"] + timedelta(days=1)) < end

    # each candidate's delivery events, found once: a scan of the events per injected case
    # was quadratic in the month's size
    mine = isin(events["tracking_no"], rem.index) & (events["event_type"] == "delivered").to_numpy()
    deliveries = pd.Series(np.flatnonzero(mine)).groupby(
        events["tracking_no"].to_numpy()[mine]).agg(list).to_dict()

    def refuse(w, also_delivered=False):
        at = np.asarray(deliveries.get(w, []), dtype=np.int64)
        if also_delivered:   # refused on the first try, delivered on the second
            row = events.iloc[at[:1]].copy()
            row["event_type"] = "refused"
            row["event_time"] = row["event_time"] - pd.Timedelta(days=1)
            extra.append(row)
        else:
            events.loc[events.index[at], "event_type"] = "refused"

    extra: list[pd.DataFrame] = []
    for _ in range(k):
        w = take(due_inside)
        if w is not None:   # delivered, never remitted
            drop.append(w)
            _truth(month, "COD_NOT_REMITTED", w, rem.at[w, "collected_amount_fen"],
                   "delivered, not remitted", rem.at[w, "order_id"])
        w = take(late_inside)
        if w is not None:   # near miss: remitted after its due day, still inside the month
            rem.at[w, "remit_date"] = _batch_day(rem.at[w, "due_date"] + timedelta(days=1))
        w = take()
        if w is not None:   # refused by the buyer, remitted all the same
            refuse(w)
            rem.at[w, "signed_at"] = pd.NaT
            _truth(month, "COD_RETURNED_REMITTED", w, rem.at[w, "remitted_amount_fen"],
                   "refused, remitted", rem.at[w, "order_id"])
        w = take(lambda w: rem.at[w, "remitted_amount_fen"] > 2_000)
        if w is not None:   # remitted short of what was collected
            short = min(int(rng.integers(5, 50)) * 100, int(rem.at[w, "remitted_amount_fen"]) // 2)
            rem.at[w, "remitted_amount_fen"] -= short
            _truth(month, "COD_REMITTED_SHORT", w, short, "remitted short", rem.at[w, "order_id"])
        w = take(lambda w: rem.at[w, "remitted_amount_fen"] > 4_000)
        if w is not None:   # the courier says it collected less than the COD amount
            less = int(rng.integers(10, 30)) * 100
            collected = int(rem.at[w, "collected_amount_fen"]) - less
            fee = int(contract_fee(np.array([collected]), np.array([rem.at[w, "carrier"]]))[0])
            rem.at[w, "collected_amount_fen"] = collected
            rem.at[w, "service_fee_fen"] = fee
            rem.at[w, "remitted_amount_fen"] = collected - fee
            _truth(month, "COD_REMITTED_SHORT", w, less, "collected less", rem.at[w, "order_id"])
        w = take(lambda w: rem.at[w, "remitted_amount_fen"] > 1_000)
        if w is not None:   # a fee above the contract, taken from the remittance
            over = int(rng.integers(1, 6)) * 100
            rem.at[w, "service_fee_fen"] += over
            rem.at[w, "remitted_amount_fen"] -= over
            _truth(month, "COD_FEE_OVER", w, over, "fee above contract", rem.at[w, "order_id"])
        w = take()
        if w is not None:   # near miss: refused and (rightly) not remitted
            refuse(w)
            drop.append(w)
        w = take()
        if w is not None:   # near miss: refused on the first try, delivered and remitted
            refuse(w, also_delivered=True)
        w = take()
        if w is not None:   # near miss: a cent short (rounding, within the tolerance)
            rem.at[w, "remitted_amount_fen"] -= 1
        w = take()
        if w is not None:   # near miss: a fee a cent above the contract's, the remittance with it
            rem.at[w, "service_fee_fen"] += 1
            rem.at[w, "remitted_amount_fen"] -= 1
    if extra:
        t["tracking_events"] = pd.concat([events, *extra], ignore_index=True).sort_values(
            "event_time", kind="stable").reset_index(drop=True)
    return rem.drop(index=drop)


def _deposits(rng, month: DemoMonth, rem: pd.DataFrame) -> pd.DataFrame:
    """One transfer per batch the day after it (or so), quoting the batch where the courier
    does; injected batches not paid in or paid short, and a batch paid in two transfers."""
    start, end = month.period.start, month.period.end
    window = month.settings.deposit_window_days
    batches = (rem.groupby(["carrier", "batch_no"], as_index=False)
               .agg(remit_date=("remit_date", "first"), amount_fen=("remitted_amount_fen", "sum"),
                    lines=("tracking_no", "size")))
    n = len(batches)
    booked = (pd.to_datetime(batches["remit_date"]) + pd.Timedelta(days=1)
              + rng.integers(9, 40, n) * HOUR)
    quotes = isin(batches["carrier"], QUOTES_BATCH)
    out = pd.DataFrame({
        "account": ACCOUNT, "txn_id": [f"ICBCD{month.period.start:%y%m}{i + 1:05d}"
                                       for i in range(n)],
        "booked_at": booked.to_numpy(), "amount_fen": batches["amount_fen"].to_numpy(),
        "currency": "CNY",
        "counterparty": batches["carrier"].map({c: v[3] for c, v in TERMS.items()}).to_numpy(),
        "reference": np.where(quotes, MEMO + " " + batches["batch_no"], MEMO + "回款"),
        "payout_id": None,
    })
    judged = ((batches["remit_date"] >= start)
              & (batches["remit_date"] + timedelta(days=window) < end)).to_numpy()
    free = list(rng.permutation(np.flatnonzero(judged)))
    k = max(1, round(n * BATCH_RATE))
    drop, extra = [], []

    def take(where=lambda i: True):
        for j in range(len(free) - 1, -1, -1):
            if where(free[j]):
                return free.pop(j)
        return None

    def key(i):
        return f"{batches.at[i, 'carrier']}|{batches.at[i, 'batch_no']}"

    for _ in range(k):
        i = take()
        if i is not None:   # never paid in
            drop.append(i)
            _truth(month, "COD_BATCH_NOT_DEPOSITED", key(i), batches.at[i, "amount_fen"],
                   "batch not in the bank")
        i = take(lambda i: quotes[i] and batches.at[i, "amount_fen"] >= 200)
        if i is not None:   # paid in short
            short = min(int(rng.integers(5, 60)) * 100, int(batches.at[i, "amount_fen"]) // 2)
            out.at[i, "amount_fen"] -= short
            _truth(month, "COD_BATCH_SHORT", key(i), short, "batch deposited short")
        i = take(lambda i: quotes[i] and batches.at[i, "amount_fen"] >= 200)
        if i is not None:   # near miss: paid in two transfers that add up, both quoting it
            part = int(out.at[i, "amount_fen"]) // 3
            out.at[i, "amount_fen"] -= part
            second = out.loc[i].to_dict()
            second.update(txn_id=f"ICBCD{month.period.start:%y%m}S{len(extra) + 1:04d}",
                          amount_fen=part, booked_at=second["booked_at"] + pd.Timedelta(hours=3))
            extra.append(second)
    out = out.drop(index=drop)
    return pd.concat([out, pd.DataFrame(extra)], ignore_index=True) if extra else out
