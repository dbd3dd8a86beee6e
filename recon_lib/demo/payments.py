"""The demo's money: fee schedules, platform settlements, payouts, bank deposits and FX.

Platforms credit an order's sale when the buyer confirms receipt (our own shop, through a card
processor, the day after payment, in US dollars) and debit their commission and fees by the fee
schedule; they pay out weekly (Douyin twice a week) to the bank. Amounts are integer fen (or
cents); fees are rounded half up exactly as ``sql/payments_expected.sql`` does.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from recon_lib.demo import carry, cod
from recon_lib.demo.columns import isin, positions, rows_by
from recon_lib.demo.generator import HOUR, DemoMonth, _ids

DAY = 24 * HOUR
SETTLEMENT_DAYS = {"tmall": 15, "jd": 10, "douyin": 12, "shop": 3}
COMMISSION = {"jd": 0.06, "douyin": 0.05}
TMALL_COMMISSION = {"床品": 0.05, "收纳": 0.05, "厨具": 0.04, "灯具": 0.04, "家纺": 0.05, "香薰": 0.06,
                    "餐具": 0.04, "清洁": 0.03}
FEES = {"jd": (0.0, 50), "douyin": (0.006, 0), "shop": (0.006, 0)}  # rate, fixed fen
CURRENCY = {"shop": "USD"}
BANK_SPREAD = 0.002      # the bank converts dollars a little below the reference rate
OPENING_BALANCE_FEN = 5_000_000_00
STORY_DAYS = 45          # an order's last refund and payout come within this of the month's end
FX_FILE_DAYS = 10        # the rates file lists this many days around the period
ACCOUNT = "6222****0719"
PAYERS = {"tmall": "支付宝(中国)网络技术有限公司", "jd": "网银在线(北京)科技有限公司",
          "douyin": "抖音支付科技有限公司", "shop": "Stripe Payments Singapore"}


def fee_schedules(month: DemoMonth) -> pd.DataFrame:
    since = month.period.start.replace(month=1, day=1)
    rows = []
    for category, rate in TMALL_COMMISSION.items():
        rows.append(("tmall", category, "commission", rate, 0))
    for channel, rate in COMMISSION.items():
        rows.append((channel, None, "commission", rate, 0))
    for channel, (rate, fixed) in FEES.items():
        rows.append((channel, None, "fee", rate, fixed))
    return pd.DataFrame([
        {"channel": c, "category": cat, "line_type": t, "rate": r, "fixed_amount_fen": f,
         "settlement_days": SETTLEMENT_DAYS[c], "effective_from": since, "effective_to": None}
        for c, cat, t, r, f in rows])


def fx_rates(month: DemoMonth) -> pd.DataFrame:
    """USD reference rates from ``FX_FILE_DAYS`` before the period to ``STORY_DAYS`` after it: a
    random walk, continuing the earlier months' series where they left it."""
    rng = np.random.default_rng(month.seed + 606)
    days = pd.date_range(month.period.start - pd.Timedelta(days=FX_FILE_DAYS),
                         month.period.end + pd.Timedelta(days=STORY_DAYS), freq="D")
    steps = rng.normal(0, 0.004, len(days))
    walk = 7.10 + np.cumsum(steps)
    if month.earlier.fx is not None:
        known = month.earlier.fx.set_index("rate_date")["rate_to_cny"]
        new = days.date > known.index.max()
        walk = np.where(new, known.iloc[-1] + np.cumsum(np.where(new, steps, 0)),
                        known.reindex(days.date).to_numpy())
    return pd.DataFrame({"rate_date": days.date, "currency": "USD",
                         "rate_to_cny": np.round(walk, 4)})


def _ppm(rate: float) -> int:
    return int(round(rate * 1_000_000))


def to_currency(fen: np.ndarray, rate_to_cny: np.ndarray) -> np.ndarray:
    """CNY fen -> foreign cents at ``rate_to_cny`` (CNY per unit), rounded half up exactly."""
    micro = np.round(np.asarray(rate_to_cny, dtype=float) * 10_000).astype(np.int64) * 100
    fen = np.asarray(fen, dtype=np.int64)
    sign = np.sign(fen)
    return sign * ((2 * np.abs(fen) * 1_000_000 + micro) // (2 * micro))


def expected_fees(month: DemoMonth, order_ids) -> pd.DataFrame:
    """Commission and fee (fen, positive) per order from the fee schedule, in the order of
    ``order_ids`` (orders without lines are left out).

    Σ line amount x rate over the order's lines, rounded half up once, as the SQL does; the
    fixed fee is added per order.
    """
    t = month.tables
    wanted = pd.Index(np.asarray(order_ids, dtype=object))
    lines = t["order_lines"]
    at = positions(wanted, lines["order_id"])          # each line's order in order_ids
    category_of = dict(zip(t["products"]["sku"], t["products"]["category"], strict=True))
    codes, skus = pd.factorize(lines["sku"])
    known = np.array([sku in category_of for sku in skus] + [False])[codes]
    keep = (at >= 0) & known
    at = at[keep]
    category = np.array([category_of.get(sku) for sku in skus], dtype=object)[codes[keep]]
    orders = t["orders"]
    order_at = positions(orders["order_id"], wanted)
    order_channel = np.where(order_at >= 0, orders["channel"].to_numpy()[order_at], None)
    channel = order_channel[at]
    tmall = {c: _ppm(r) for c, r in TMALL_COMMISSION.items()}
    channels = {ch for ch in order_channel if isinstance(ch, str)} | set(SETTLEMENT_DAYS)
    commission = {ch: _ppm(COMMISSION.get(ch, 0.0)) for ch in channels}
    fee_rate = {ch: _ppm(FEES.get(ch, (0.0, 0))[0]) for ch in channels}
    by_channel = pd.Series(channel, dtype=object)
    commission_ppm = np.where(
        channel == "tmall", pd.Series(category, dtype=object).map(tmall).to_numpy(),
        by_channel.map(commission).to_numpy()).astype(np.int64)
    fee_ppm = by_channel.map(fee_rate).to_numpy().astype(np.int64)
    fen = lines["line_amount_fen"].to_numpy(dtype=np.int64)[keep]
    c = np.zeros(len(wanted), dtype=np.int64)
    f = np.zeros(len(wanted), dtype=np.int64)
    np.add.at(c, at, fen * commission_ppm)
    np.add.at(f, at, fen * fee_ppm)
    fixed = pd.Series(order_channel, dtype=object).map(
        {ch: FEES.get(ch, (0.0, 0))[1] for ch in channels}).to_numpy().astype(np.int64)
    has = np.zeros(len(wanted), dtype=bool)
    has[at] = True
    out = pd.DataFrame({"channel": order_channel, "commission_fen": (c + 500_000) // 1_000_000,
                        "fee_fen": (f + 500_000) // 1_000_000 + fixed}, index=wanted)
    out.index.name = "order_id"
    return out[has]


def _rate_on(fx: pd.DataFrame, moments) -> np.ndarray:
    by_day = fx.set_index("rate_date")["rate_to_cny"]
    days = pd.DatetimeIndex(pd.to_datetime(np.asarray(moments))).date
    return by_day.reindex(days).to_numpy()


def _payout_day(channel: np.ndarray, settled: pd.Series) -> pd.Series:
    """Weekly payouts on the Monday after the week; Douyin also on Thursdays."""
    monday = settled.dt.to_period("W-SUN").dt.start_time + pd.Timedelta(days=7, hours=10)
    day = settled.dt.normalize()
    # Douyin: Monday-Wednesday lines leave on Thursday, the rest on the next Monday
    thursday = day - pd.to_timedelta(day.dt.day_of_week, unit="D") + pd.Timedelta(days=3, hours=10)
    early = (channel == "douyin") & (settled.dt.day_of_week <= 2)
    return monday.where(~early, thursday)


def add_settlements(rng: np.random.Generator, month: DemoMonth) -> None:
    """Settlement lines of the month's orders, whenever they settle, each with the payout that
    will pay it; the reference data they are computed from."""
    t = month.tables
    orders = t["orders"].set_index("order_id")
    t["fee_schedules"] = (fee_schedules(month) if month.earlier.fee_schedules is None
                          else month.earlier.fee_schedules)
    month.carry.fx = fx = fx_rates(month)
    last_listed = month.period.end + timedelta(days=FX_FILE_DAYS)
    t["fx_rates"] = fx[fx["rate_date"] <= last_listed].reset_index(drop=True)

    ships = carry.story(month, "shipments")
    shipped = ships[isin(ships["order_id"], orders.index)]
    delivered = carry.story(month, "tracking_events").query("event_type == 'delivered'")
    confirmed = (shipped[["order_id", "tracking_no"]].merge(delivered, on="tracking_no")
                 .groupby("order_id")["event_time"].max() + pd.Timedelta(days=2))
    # orders paid on delivery are collected by the courier, not settled (demo/cod.py)
    live = orders.index[(orders["status"] != "cancelled").to_numpy()
                        & ~isin(orders.index, cod.cod_orders(month))]
    confirmed = confirmed[isin(confirmed.index, live)]
    shop = orders.index[(orders["channel"] == "shop").to_numpy() & isin(orders.index, live)
                        & isin(orders.index, shipped["order_id"])]
    settled = pd.concat([confirmed[~isin(confirmed.index, shop)],
                         orders.loc[shop, "paid_at"] + pd.Timedelta(days=1)])
    oids = settled.index.to_numpy()
    fees = expected_fees(month, oids)
    if len(fees) != len(oids):   # an order without lines
        fees = fees.reindex(oids)
    at = positions(orders.index, oids)
    channel = orders["channel"].to_numpy()[at]
    base = {"channel": pd.array(channel, dtype="str"), "order_id": pd.array(oids, dtype="str"),
            "settled_at": settled.to_numpy()}
    sale = pd.DataFrame({**base, "line_type": "sale",
                         "amount_fen": orders["paid_amount_fen"].to_numpy()[at]})
    commission = pd.DataFrame({**base, "line_type": "commission",
                               "amount_fen": -fees["commission_fen"].to_numpy()})
    fee = pd.DataFrame({**base, "line_type": "fee", "amount_fen": -fees["fee_fen"].to_numpy()})
    refunds = carry.story(month, "refunds")
    refunds = refunds[isin(refunds["order_id"], orders.index)]
    refund = pd.DataFrame({"channel": refunds["channel"].to_numpy(),
                           "order_id": refunds["order_id"].to_numpy(), "line_type": "refund",
                           "amount_fen": -refunds["amount_fen"].to_numpy(),
                           "settled_at": refunds["refunded_at"].to_numpy()})
    lines = pd.concat([sale, commission[commission["amount_fen"] != 0],
                       fee[fee["amount_fen"] != 0], refund], ignore_index=True)
    lines = lines.sort_values(["settled_at", "channel", "order_id", "line_type"],
                              kind="stable").reset_index(drop=True)
    lines["currency"] = lines["channel"].map(CURRENCY).fillna("CNY")
    foreign = (lines["currency"] != "CNY").to_numpy()
    lines.loc[foreign, "amount_fen"] = to_currency(
        lines.loc[foreign, "amount_fen"].to_numpy(), _rate_on(fx, lines.loc[foreign,
                                                                             "settled_at"]))
    day = _payout_day(lines["channel"].to_numpy(), lines["settled_at"])
    # one payout per channel and day: its number made once
    channel_code = pd.factorize(lines["channel"])[0].astype(np.int64)
    days = day.to_numpy().astype("datetime64[D]").astype(np.int64)
    _, first, inverse = np.unique(channel_code * 1_000_000 + days, return_index=True,
                                  return_inverse=True)
    named = ("PO-" + lines["channel"].iloc[first].str.upper() + "-"
             + day.iloc[first].dt.strftime("%Y%m%d")).to_numpy(dtype=object)
    lines["payout_id"] = pd.array(named[inverse.ravel()], dtype="str")
    lines["payout_day"] = day
    lines.insert(0, "settlement_id", _ids("JS" + month.period.start.strftime("%y%m"), 1,
                                          len(lines), 8))
    lines["line_ref"] = lines["settlement_id"]  # the platform's 流水号, as the loader keeps it
    t["settlement_lines"] = lines


def add_payouts(rng: np.random.Generator, month: DemoMonth) -> None:
    """Payouts made in the period sum their settlement lines, the earlier months' among them; the
    bank receives them a few hours to days later."""
    t = month.tables
    fields = ["payout_id", "channel", "currency", "amount_fen", "payout_day"]
    waiting = pd.concat([month.earlier.unpaid, t["settlement_lines"][fields]], ignore_index=True)
    due = (waiting["payout_day"] < pd.Timestamp(month.period.end_ts)).to_numpy()
    month.carry.unpaid = waiting[~due].reset_index(drop=True)
    payouts = (waiting[due].groupby(["payout_id", "channel", "currency"], as_index=False)
               .agg(amount_fen=("amount_fen", "sum"), paid_at=("payout_day", "first")))
    payouts = payouts[payouts["amount_fen"] > 0].sort_values("paid_at", kind="stable")
    payouts["bank_account"] = ACCOUNT
    t["payouts"] = payouts.reset_index(drop=True)
    t["bank_transactions"] = _deposits(rng, month, t["payouts"], month.carry.fx)


def _deposits(rng, month: DemoMonth, payouts: pd.DataFrame, fx: pd.DataFrame) -> pd.DataFrame:
    n = len(payouts)
    booked = payouts["paid_at"].to_numpy() + rng.integers(2, 3 * 24, n) * HOUR
    amount = payouts["amount_fen"].to_numpy().copy()
    foreign = (payouts["currency"] != "CNY").to_numpy()
    rate = _rate_on(fx, payouts.loc[foreign, "paid_at"])
    amount[foreign] = np.floor(amount[foreign] * rate * (1 - BANK_SPREAD) + 0.5).astype(np.int64)
    # Douyin's transfers do not quote the payout number
    reference = np.where(payouts["channel"] == "douyin", "抖音支付结算款",
                         "提现 " + payouts["payout_id"])
    return pd.DataFrame({
        "account": ACCOUNT, "txn_id": _ids("ICBC" + month.period.start.strftime("%y%m"), 1, n, 6),
        "booked_at": booked, "amount_fen": amount, "currency": "CNY",
        "counterparty": payouts["channel"].map(PAYERS).to_numpy(), "reference": reference,
        "payout_id": payouts["payout_id"].to_numpy(),
    })


def finish_bank(month: DemoMonth) -> None:
    """Statement order and running balance, from where the last statement ended; deposits booked
    after the period's end go on the next one."""
    carry.cut(month, "bank_transactions")
    carry.take(month, "bank_transactions")
    bank = month.tables["bank_transactions"].sort_values("booked_at", kind="stable")
    bank = bank.reset_index(drop=True)
    opening = (OPENING_BALANCE_FEN if month.earlier.balance_fen is None
               else month.earlier.balance_fen)
    bank["balance_fen"] = opening + np.cumsum(bank["amount_fen"].to_numpy())
    month.tables["bank_transactions"] = bank
    month.carry.balance_fen = int(opening + bank["amount_fen"].sum())


def inject_settlement_lines(month: DemoMonth, rate: float = 0.0025) -> None:
    """Order-to-settlement discrepancies (before payouts are formed from the lines)."""
    rng = np.random.default_rng(month.seed + 707)
    t = month.tables
    lines = t["settlement_lines"]
    orders = t["orders"].set_index("order_id")
    end = pd.Timestamp(month.period.end_ts)
    start = pd.Timestamp(month.period.start_ts)
    n = max(2, round(len(orders) * rate))

    def add(code, key, amount_fen, note, order_id=None):
        month.truth.append({"recon": "payments", "reason_code": code, "key": key,
                            "order_id": order_id,
                            "amount": None if amount_fen is None else amount_fen / 100,
                            "note": note})

    # orders settled in the period, in CNY, one sale line each: one anomaly per order
    in_period = (lines["settled_at"] >= start) & (lines["settled_at"] < end)
    sale = lines[(lines["line_type"] == "sale") & (lines["currency"] == "CNY") & in_period]
    kinds = pd.DataFrame({"order_id": lines["order_id"], "sale": lines["line_type"] == "sale",
                          "refund": lines["line_type"] == "refund"}).groupby("order_id").sum()
    plain = kinds.index[((kinds["sale"] == 1) & (kinds["refund"] == 0)).to_numpy()]
    free = list(rng.permutation(sale.loc[isin(sale["order_id"], plain), "order_id"].to_numpy()))
    extra, drop = [], set()
    # each order's lines (positions), and their amounts as the injectors leave them
    rows = rows_by(lines, "order_id")
    line_type = lines["line_type"].to_numpy()
    amount: dict[int, int] = {}

    def line_of(o, kind) -> int:
        at = rows[o]
        return int(at[line_type[at] == kind][0])

    def set_amounts() -> None:
        if amount:
            at = list(amount)
            lines.loc[lines.index[at], "amount_fen"] = pd.array(
                [amount[i] for i in at], dtype=lines["amount_fen"].dtype)
            amount.clear()

    def take(k, where=None):
        out, kept = [], []
        while free and len(out) < k:
            o = free.pop()
            (out if where is None or where(o) else kept).append(o)
        free.extend(reversed(kept))
        return out

    ships = t["shipments"].groupby("order_id")["ship_time"].min()
    cycle = {c: pd.Timedelta(days=d) for c, d in SETTLEMENT_DAYS.items()}

    def due(o):  # the settlement deadline falls in the period
        return start <= ships.get(o, end) + cycle[orders.at[o, "channel"]] < end

    for o in take(n, where=due):  # never settled: a receivable
        drop.update(lines.index[rows[o]])
        add("PAY_NOT_SETTLED", o, int(orders.at[o, "paid_amount_fen"]), "no settlement", o)
    for o in take(n):  # settled gross differs from what the buyer paid
        i = line_of(o, "sale")
        delta = -int(rng.integers(1, 20)) * 100
        amount[i] = int(lines["amount_fen"].iat[i]) + delta
        add("PAY_GROSS_MISMATCH", o, -delta, "sale short", o)
    set_amounts()
    for o in take(n, where=lambda o: (line_type[rows[o]] == "commission").any()):
        i = line_of(o, "commission")
        delta = -int(rng.integers(1, 10)) * 100
        amount[i] = int(lines["amount_fen"].iat[i]) + delta
        add("PAY_FEE_MISMATCH", f"{o}|commission", -delta, "commission above schedule", o)
    set_amounts()
    for o in take(n):  # the same sale line listed twice: its 流水号 repeated, numbered #2
        row = lines.iloc[line_of(o, "sale")].to_dict()
        row["settlement_id"] = row["line_ref"] + "#2"   # the loader's name for the repeat
        extra.append(row)
        add("PAY_DUPLICATE_LINE", row["settlement_id"], int(row["amount_fen"]), "twice", o)
    # near misses: an order's sale in two lines of its own 流水号 (two items), adding up to what
    # the buyer paid; the first in two equal halves (same amount and time: only the 流水号
    # differs), the others split unevenly (a second line of another amount)
    halves = take(1, where=lambda o: int(lines["amount_fen"].iat[line_of(o, "sale")]) % 2 == 0)
    for k, o in enumerate([*halves, *take(n - 1)]):
        i = line_of(o, "sale")
        total = int(lines["amount_fen"].iat[i])
        part = total // 2 if o in halves else total // 3
        if not 0 < part < total:
            continue
        row = lines.iloc[i].to_dict()
        amount[i] = total - part
        row.update(amount_fen=part, settlement_id=f"JSN{month.period.start:%y%m}{k:05d}")
        row["line_ref"] = row["settlement_id"]
        extra.append(row)
    set_amounts()
    cny_sales = np.flatnonzero(((lines["line_type"] == "sale") & (lines["currency"] == "CNY")
                                & in_period).to_numpy())
    for k in range(n):  # a settlement for an order that is not ours
        row = lines.iloc[cny_sales[k * 7]].to_dict()
        row.update(settlement_id=f"JSX{month.period.start:%y%m}{k:05d}",
                   order_id=f"X{month.period.start:%Y%m}{k:06d}")
        row["line_ref"] = row["settlement_id"]
        extra.append(row)
        add("PAY_UNKNOWN_ORDER", row["settlement_id"], int(row["amount_fen"]), "unknown order")

    t["settlement_lines"] = pd.concat([lines.drop(index=list(drop)), pd.DataFrame(extra)],
                                      ignore_index=True)


def inject_payouts(month: DemoMonth, rate: float = 0.0025) -> None:
    """Settlement-to-payout and payout-to-bank discrepancies, and near misses."""
    rng = np.random.default_rng(month.seed + 708)
    t = month.tables
    payouts, bank = t["payouts"], t["bank_transactions"]
    end = pd.Timestamp(month.period.end_ts)
    start = pd.Timestamp(month.period.start_ts)
    n = max(2, round(len(t["orders"]) * rate))
    window = pd.Timedelta(days=month.settings.deposit_window_days)

    def add(code, key, amount_fen, note):
        month.truth.append({"recon": "payments", "reason_code": code, "key": key,
                            "order_id": None, "amount": amount_fen / 100, "note": note})

    # CNY payouts quoting their number, whose deposit window closes inside the period
    quoted = payouts[(payouts["currency"] == "CNY") & (payouts["channel"] != "douyin")
                     & (payouts["paid_at"] + window < end)]
    pool = list(rng.permutation(quoted["payout_id"].to_numpy()))
    k = max(1, min(n, len(pool) // 4))
    lost: set[str] = set()
    for p in pool[:k]:  # the payout does not add up to its lines
        payouts.loc[payouts["payout_id"] == p, "amount_fen"] -= 500
        bank.loc[bank["payout_id"] == p, "amount_fen"] -= 500
        add("PAY_PAYOUT_MISMATCH", p, 500, "payout 5.00 short of its lines")
    for p in pool[k:2 * k]:  # paid out, never arrived
        lost.add(p)
        add("PAY_NO_DEPOSIT", p, int(payouts.loc[payouts["payout_id"] == p, "amount_fen"].iloc[0]),
            "no deposit")
    for p in pool[2 * k:3 * k]:  # arrived short (by at most half: a small payout stays a deposit)
        deposited = int(bank.loc[bank["payout_id"] == p, "amount_fen"].iloc[0])
        short = min(int(rng.integers(1, 50)) * 100, deposited // 2)
        bank.loc[bank["payout_id"] == p, "amount_fen"] -= short
        add("PAY_DEPOSIT_MISMATCH", p, short, "deposit short")
    strangers = []
    for j, p in enumerate(pool[3 * k:4 * k]):  # near miss: the bank kept a transfer fee,
        fee = 500                                 # shown as its own line quoting the payout
        deposit = bank.index[bank["payout_id"] == p]
        bank.loc[deposit, "amount_fen"] -= fee
        strangers.append({
            "account": ACCOUNT, "txn_id": f"ICBCF{month.period.start:%y%m}{j + 1:04d}",
            "booked_at": bank.loc[deposit, "booked_at"].iloc[0], "amount_fen": -fee,
            "currency": "CNY", "counterparty": "中国工商银行", "reference": f"跨行汇款手续费 {p}",
            "payout_id": None})
    for j in range(k):  # money in with no payout behind it
        amount = int(rng.integers(100, 5000)) * 100
        txn = f"ICBCX{month.period.start:%y%m}{j + 1:04d}"
        strangers.append({
            "account": ACCOUNT, "txn_id": txn,
            "booked_at": start + pd.Timedelta(days=int(rng.integers(3, 25))),
            "amount_fen": amount, "currency": "CNY", "counterparty": "上海某贸易有限公司",
            "reference": f"往来款 {j + 1:03d}", "payout_id": None})
        add("PAY_DEPOSIT_NO_PAYOUT", txn, amount, "unknown deposit")

    # near miss: two Douyin payouts credited together (Thursday's with Monday's), no reference;
    # the deposit, two hours after Monday's, is inside Thursday's deposit window. A small month
    # may have no payout on that Monday: its Thursdays are not paired with the next Thursday's
    dy = payouts[payouts["channel"] == "douyin"].sort_values("paid_at")
    paid = dy.set_index("payout_id")["paid_at"]
    pairs = [(a, b) for a, b in zip(dy["payout_id"], dy["payout_id"].iloc[1:], strict=False)
             if pd.Timestamp(paid[a]).weekday() == 3
             and paid[b] + pd.Timedelta(hours=2) <= paid[a] + window]
    for a, b in pairs[:1]:
        ia, ib = bank.index[bank["payout_id"] == a], bank.index[bank["payout_id"] == b]
        if len(ia) and len(ib):
            bank.loc[ib, "amount_fen"] += int(bank.loc[ia, "amount_fen"].iloc[0])
            bank.loc[ib, "booked_at"] = payouts.loc[payouts["payout_id"] == b, "paid_at"].iloc[0] \
                + pd.Timedelta(hours=2)
            lost.add(a)
    bank = bank[~bank["payout_id"].isin(lost)]
    t["bank_transactions"] = pd.concat([bank, pd.DataFrame(strangers)], ignore_index=True)
