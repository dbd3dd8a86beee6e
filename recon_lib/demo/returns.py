"""The demo's returns: requests, the courier's return parcels, warehouse receipts and refunds.

Every return runs its course within ``RETURN_DAYS`` of the request: pickup the next day, receipt a
few days later, the refund after the receipt, or (Douyin's policy) as soon as the parcel is picked
up. The injector then breaks single legs of returns whose window closes inside the period.

Only requests made in the month's first days (two weeks before its end, less the days a buyer
takes to ask) have their window close inside it: a few dozen in a month of a few hundred orders,
fewer in February. So a small month gets a few returns more, asked early enough
(:data:`NEEDED_DUE`), and the injector gives every reason code one return before it gives any
code a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recon_lib.demo import carry
from recon_lib.demo.columns import isin, rows_by, set_by_key
from recon_lib.demo.generator import HOUR, DemoMonth, _ids

DAY = 24 * HOUR
REFUND_ON_PICKUP = {"douyin"}
RETURN_RATE = 0.08  # share of shipped orders with a return request (home goods: 5-15%)
ASK_DAYS = (2, 10)  # a buyer asks for a return this many days after the parcel left (from, to)
NEEDED_DUE = {"any": 8, "after_receipt": 4, "other_qty": 1}
"""Returns whose window closes in the period that :func:`inject_returns` needs to give each of
its six reason codes one return, and its near misses two: eight in all, four refunded after
receipt (three codes need one, and the quantity code may take one of them) and one on a line of
two units or more, so that another quantity can come back. A month with fewer (a few hundred
orders) gets the missing ones as extra returns of its early orders."""


def add_returns(rng: np.random.Generator, month: DemoMonth) -> None:
    t = month.tables
    ships = t["shipments"]
    first_ship = ships.groupby("order_id")["ship_time"].min()
    orders = t["orders"].set_index("order_id")
    lines = t["order_lines"][isin(t["order_lines"]["order_id"], first_ship.index)
                             & isin(t["order_lines"]["order_id"], orders.index)]
    lines = lines.drop_duplicates("order_id").assign(
        channel=lambda d: orders["channel"].reindex(d["order_id"]).to_numpy())
    picked = lines.sample(frac=RETURN_RATE, random_state=month.seed).reset_index(drop=True)
    requested = (first_ship.reindex(picked["order_id"]).to_numpy()
                 + rng.integers(ASK_DAYS[0] * 24, ASK_DAYS[1] * 24, len(picked)) * HOUR)
    picked, requested = _with_due_returns(month, lines, picked, requested, first_ship)
    n = len(picked)
    ym = month.period.start.strftime("%y%m")
    rid = _ids("TH" + ym, 1, n, 6)
    qty = np.minimum(picked["qty"].to_numpy(), rng.integers(1, 3, n))
    price = picked["unit_price_fen"].to_numpy()
    waybill = np.char.add("RT" + ym, np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(
        object)
    carrier = rng.choice(["SF", "ZTO", "YTO"], n)
    channel = orders["channel"].reindex(picked["order_id"]).to_numpy()
    t["return_requests"] = pd.DataFrame({
        "return_id": rid, "order_id": picked["order_id"], "sku": picked["sku"], "qty": qty,
        "reason": rng.choice(["七天无理由", "质量问题", "尺寸不合适", "发错货", "少件"], n),
        "requested_refund_fen": qty * price, "requested_at": requested,
        "return_tracking_no": waybill, "return_carrier": carrier, "channel": channel,
        "unit_price_fen": price,
    })
    pickup = requested + rng.integers(4, 30, n) * HOUR
    received = pickup + rng.integers(1 * 24, 4 * 24, n) * HOUR
    on_pickup = np.isin(channel, list(REFUND_ON_PICKUP))
    refunded = np.where(on_pickup, pickup + rng.integers(2, 7, n) * HOUR,
                        received + rng.integers(1, 20, n) * HOUR)
    wh = ships.drop_duplicates("order_id").set_index("order_id")["warehouse"]
    t["return_pickups"] = pd.DataFrame({"return_id": rid, "tracking_no": waybill,
                                        "carrier": carrier, "picked_up_at": pickup})
    t["return_receipts"] = pd.DataFrame({
        "receipt_id": _ids("RK" + ym, 1, n, 6), "return_id": rid, "tracking_no": waybill,
        "warehouse": wh.reindex(picked["order_id"]).to_numpy(),
        "sku": picked["sku"].to_numpy(), "qty": qty, "condition": "sellable",
        "received_at": received,
    })
    t["refunds"] = pd.DataFrame({
        "refund_id": _ids("TK" + ym, 1, n, 6), "order_id": picked["order_id"].to_numpy(),
        "return_id": rid,
        "amount_fen": qty * price, "currency": "CNY", "refunded_at": refunded,
        "channel": channel,
    })


def _kinds(lines: pd.DataFrame) -> dict[str, np.ndarray]:
    """Which lines' returns fit each need of :data:`NEEDED_DUE`."""
    return {"any": np.ones(len(lines), dtype=bool),
            "after_receipt": ~lines["channel"].isin(REFUND_ON_PICKUP).to_numpy(),
            "other_qty": (lines["qty"] >= 2).to_numpy()}


def _with_due_returns(month: DemoMonth, lines: pd.DataFrame, picked: pd.DataFrame,
                      requested: np.ndarray, first_ship: pd.Series
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """``picked`` and ``requested`` with extra returns of early orders, each asked early enough
    for its window to close in the period, until the month has the returns :data:`NEEDED_DUE`
    asks for. A month that has them already is left as it is."""
    window = month.settings.return_window_days * DAY
    end = np.datetime64(month.period.end_ts, "s")
    due = requested + window < end
    missing = {k: need - int((due & fit).sum())
               for (k, need), fit in zip(NEEDED_DUE.items(), _kinds(picked).values(),
                                         strict=True)}
    if max(missing.values()) <= 0:
        return picked, requested
    shipped = first_ship.reindex(lines["order_id"]).to_numpy()
    # hours in which a request still has its window close an hour before the period's end
    room = ((end - window - HOUR - shipped) // HOUR).astype(np.int64)
    kinds = _kinds(lines)
    free = ~isin(lines["order_id"], picked["order_id"]) & (room > ASK_DAYS[0] * 24)
    rng = np.random.default_rng(month.seed + 511)
    # lines that fit every need first, so that as few returns as possible are added
    rank = 2 * ~kinds["after_receipt"] + ~kinds["other_qty"]
    candidates = rng.permutation(np.flatnonzero(free))
    extra = []
    for i in candidates[np.argsort(rank[candidates], kind="stable")]:
        if max(missing.values()) <= 0:
            break
        if any(missing[k] > 0 and kinds[k][i] for k in missing):
            extra.append(i)
            missing = {k: m - int(kinds[k][i]) for k, m in missing.items()}
    extra = np.sort(np.asarray(extra, dtype=np.int64))
    ask = rng.integers(ASK_DAYS[0] * 24, np.minimum(room[extra], ASK_DAYS[1] * 24))
    return (pd.concat([picked, lines.iloc[extra]], ignore_index=True),
            np.concatenate([requested, shipped[extra] + ask * HOUR]))


def finish_returns(month: DemoMonth) -> None:
    """Add the return parcels' pickups to the courier tracking, and carry the legs that happen
    after the period's end to the months holding them."""
    t = month.tables
    pickups = t.pop("return_pickups")
    t["return_requests"] = t["return_requests"].merge(
        pickups[["return_id", "picked_up_at"]], on="return_id", how="left")
    events = pd.DataFrame({"tracking_no": pickups["tracking_no"], "carrier": pickups["carrier"],
                           "event_type": "pickup", "event_time": pickups["picked_up_at"],
                           "promised_date": None, "location": None})
    t["tracking_events"] = pd.concat([t["tracking_events"], events], ignore_index=True)
    for table in ("return_receipts", "refunds", "tracking_events"):
        carry.cut(month, table)


def inject_returns(month: DemoMonth, rate: float = 0.0025, window_days: int = 14) -> None:
    """Returns discrepancies, each on its own return whose window closes in the period.

    The injectors draw their random numbers return by return; the rows they change are written
    together once they are done."""
    rng = np.random.default_rng(month.seed + 505)
    t = month.tables
    req = t["return_requests"]
    end = np.datetime64(month.period.end_ts, "s")
    due = req["requested_at"] + window_days * DAY < end
    n = max(2, round(len(t["orders"]) * rate))
    free = list(rng.permutation(req.loc[due, "return_id"].to_numpy()))
    at = {r: i for i, r in enumerate(req["return_id"])}
    request = {c: req[c].to_numpy() for c in ("order_id", "sku", "qty", "unit_price_fen",
                                            "requested_refund_fen", "channel")}
    receipts, refunds, pickups = t["return_receipts"], t["refunds"], t["return_pickups"]
    extra_receipts, extra_refunds = [], []
    no_receipt, no_refund, no_pickup = set(), set(), set()
    receipt_qty, receipt_condition, refund_amount = {}, {}, {}   # return -> new value

    def add(code, key, amount_fen, note):
        month.truth.append({"recon": "returns", "reason_code": code, "key": key,
                            "order_id": request["order_id"][at[key.split("|")[0]]]
                            if key.split("|")[0] in at else None,
                            "amount": None if amount_fen is None else amount_fen / 100,
                            "note": note})

    def take(k, where=None):
        out, kept = [], []
        while free and len(out) < k:
            r = free.pop()
            (out if where is None or where(r) else kept).append(r)
        free.extend(reversed(kept))
        return out

    def row(r):
        return {c: v[at[r]] for c, v in request.items()}

    lines = t["order_lines"]
    mine = lines[isin(lines["order_id"], req["order_id"])]
    bought = mine.groupby(["order_id", "sku"])["qty"].sum().to_dict()

    def other_qty_possible(r) -> bool:
        return row(r)["qty"] >= 2 or bought[(row(r)["order_id"], row(r)["sku"])] > row(r)["qty"]

    def qty_mismatch(r):
        asked = int(row(r)["qty"])
        if asked >= 2:   # fewer units came back, refunded so
            got = asked - 1
            refund_amount[r] = got * int(row(r)["unit_price_fen"])
        else:            # the buyer sent back every unit bought; refunded as asked
            got = asked + 1
        receipt_qty[r] = got
        add("RET_QTY_MISMATCH", f"{r}|{row(r)['sku']}", int(row(r)["unit_price_fen"]),
            f"{got} of {asked} received")

    def not_received(r):   # the goods never came back
        no_receipt.add(r)
        add("RET_REFUND_NOT_RECEIVED", r, int(row(r)["requested_refund_fen"]), "refunded, lost")

    def not_refunded(r):   # never refunded
        no_refund.add(r)
        add("RET_RECEIVED_NOT_REFUNDED", r, int(row(r)["requested_refund_fen"]), "no refund")

    def bad_condition(r):   # withheld: no refund
        condition = ["damaged", "wrong_item", "empty"][int(rng.integers(0, 3))]
        receipt_condition[r] = condition
        no_refund.add(r)
        add("RET_BAD_CONDITION", f"{r}|{row(r)['sku']}", int(row(r)["requested_refund_fen"]),
            condition)

    refund_of = dict(zip(refunds["return_id"].to_numpy(), refunds["amount_fen"].to_numpy(),
                         strict=True))

    def refund_mismatch(r):   # refunded more (or less) than the received goods are worth
        delta = int(rng.integers(1, 30)) * 100 * (1 if rng.random() < 0.6 else -1)
        delta = max(delta, 100 - int(row(r)["requested_refund_fen"]))
        refund_amount[r] = refund_of[r] + delta
        add("RET_REFUND_MISMATCH", r, abs(delta), f"refund off by {delta / 100}")

    def no_pickup_at_all(r):   # the courier never picked the parcel up, nothing happened since
        no_pickup.add(r)
        no_receipt.add(r)
        no_refund.add(r)
        add("RET_NO_PICKUP", r, None, "no pickup")

    def after_receipt(r) -> bool:
        return row(r)["channel"] not in REFUND_ON_PICKUP

    # (injector, which returns can carry it): returns that can come back with another quantity
    # are few, so they are taken first
    kinds = [(qty_mismatch, other_qty_possible), (not_received, after_receipt),
             (not_refunded, after_receipt), (bad_condition, after_receipt),
             (refund_mismatch, None), (no_pickup_at_all, None)]
    # every code gets a return before any gets a second: a small month has few returns due
    chosen = [take(1, where) for _, where in kinds]
    for got, (_, where) in zip(chosen, kinds, strict=True):
        got += take(n - 1, where)
    for got, (inject, _) in zip(chosen, kinds, strict=True):
        for r in got:
            inject(r)
    set_by_key(receipts, "return_id", receipt_qty, "qty")
    set_by_key(receipts, "return_id", receipt_condition, "condition")
    set_by_key(refunds, "return_id", refund_amount, "amount_fen")
    for i in range(n):   # a parcel the warehouse received with no return request behind it
        template = receipts.iloc[int(rng.integers(0, len(receipts)))].to_dict()
        rec = f"RKU{month.period.start:%y%m}{i:04d}"
        template.update(receipt_id=rec, return_id=None,
                        tracking_no=f"RU{month.period.start:%y%m}{i:07d}", qty=1,
                        received_at=month.period.start_ts + pd.Timedelta(days=int(rng.integers(
                            1, 25))))
        extra_receipts.append(template)
        month.truth.append({"recon": "returns", "reason_code": "RET_UNEXPECTED_PARCEL",
                            "key": rec, "order_id": None, "amount": None,
                            "note": "no return request"})

    # near misses: a return split over two parcels; a refund paid in two instalments
    receipt_at = rows_by(receipts, "return_id")
    split_qty = {}
    for r in take(max(2, n // 2), where=lambda r: row(r)["qty"] >= 2):
        second = receipts.iloc[receipt_at[r][0]].to_dict()
        split_qty[r] = 1
        second.update(receipt_id=second["receipt_id"] + "-2", qty=int(row(r)["qty"]) - 1,
                      received_at=second["received_at"] + DAY)
        extra_receipts.append(second)
    set_by_key(receipts, "return_id", split_qty, "qty")
    refund_at = rows_by(refunds, "return_id")
    halves = {}
    for r in take(max(2, n // 2)):
        if r not in refund_at:
            continue
        second = refunds.iloc[refund_at[r][0]].to_dict()
        total = int(second["amount_fen"])
        part = total // 2
        halves[r] = part
        second.update(refund_id=second["refund_id"] + "-2", amount_fen=total - part,
                      refunded_at=second["refunded_at"] + 3 * HOUR)
        extra_refunds.append(second)
    set_by_key(refunds, "return_id", halves, "amount_fen")

    receipts = receipts[~receipts["return_id"].isin(no_receipt)]
    refunds = refunds[~refunds["return_id"].isin(no_refund)]
    t["return_pickups"] = pickups[~pickups["return_id"].isin(no_pickup)]
    t["return_receipts"] = pd.concat([receipts, pd.DataFrame(extra_receipts)], ignore_index=True)
    t["refunds"] = pd.concat([refunds, pd.DataFrame(extra_refunds)], ignore_index=True)
