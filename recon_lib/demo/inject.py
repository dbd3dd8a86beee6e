"""Inject known discrepancies (and near misses that must NOT be flagged) into a clean demo month.

Each injector picks its own orders from a shared pool, so no order carries two injected
discrepancies, and appends one answer-key row per discrepancy it creates. The key format of each
reason code is the one the reconciliation reports (see ``recon_lib.reasons``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recon_lib.demo.columns import isin, rows_by, set_by_key
from recon_lib.demo.generator import HOUR, MINUTE, DemoMonth


def _count(month: DemoMonth, rate: float) -> int:
    return max(3, round(len(month.tables["orders"]) * rate))


class _Pool:
    """Orders still free to carry an anomaly: shipped in one parcel, fully inside the period."""

    def __init__(self, month: DemoMonth, rng: np.random.Generator):
        t = month.tables
        end = np.datetime64(month.period.end_ts, "s")
        sla = month.settings.ship_sla_hours * HOUR
        orders = t["orders"]
        parcels = t["shipments"].groupby("order_id")["shipment_id"].count()
        single = parcels[parcels == 1].index
        ok = (orders["status"] == "completed") & isin(orders["order_id"], single)
        # room after the SLA for a late parcel that still lands inside the period
        ok &= (orders["paid_at"] + sla + 48 * HOUR) < end
        ok &= ~isin(orders["order_id"], month.reserved)
        self.free = list(rng.permutation(orders.loc[ok, "order_id"].to_numpy()))
        self.rng = rng

    def take(self, n: int, where=None) -> list[str]:
        taken, kept = [], []
        while self.free and len(taken) < n:
            oid = self.free.pop()
            (taken if where is None or where(oid) else kept).append(oid)
        self.free.extend(reversed(kept))
        return taken


def inject_shipping(month: DemoMonth, rate: float = 0.0025) -> None:
    """Shipping (paid orders vs shipments) discrepancies and near misses.

    Each loop draws its random numbers order by order; the rows it changes are written once, at
    the end of the loop (a month of a million orders is not scanned once per order)."""
    rng = np.random.default_rng(month.seed + 101)
    t = month.tables
    orders = t["orders"].set_index("order_id")
    lines = t["order_lines"]
    ships = t["shipments"]
    ship_lines = t["shipment_lines"]
    sla = month.settings.ship_sla_hours * HOUR
    pool = _Pool(month, rng)
    n = _count(month, rate)
    lines_of = rows_by(lines, "order_id")
    line_sku = lines["sku"].to_numpy()
    line_qty = lines["qty"].to_numpy()
    line_price = lines["unit_price_fen"].to_numpy()
    ship_pos = rows_by(ships, "order_id")
    shipment_id = ships["shipment_id"].to_numpy()

    def sid_of(oid: str) -> str:   # the order's one parcel
        return shipment_id[ship_pos[oid][-1]]

    def qty_lines(oid: str) -> int:   # the largest quantity of a line of the order
        return line_qty[lines_of[oid]].max()

    def line_count(oid: str) -> int:
        return len(lines_of[oid])
    paid_at = orders["paid_at"]
    truth = month.truth

    def add(code: str, key: str, order_id: str | None, amount_fen: int | None, note: str):
        truth.append({"recon": "shipping", "reason_code": code, "key": key, "order_id": order_id,
                      "amount": None if amount_fen is None else amount_fen / 100, "note": note})

    dropped_parcels: set[str] = set()
    dropped_lines: set[tuple[str, str]] = set()
    status: dict[str, str] = {}
    cancelled_at: dict[str, pd.Timestamp] = {}
    ship_time: dict[str, pd.Timestamp] = {}        # order -> its parcel's new time
    line_qty_to: dict[tuple[str, str], int] = {}   # (parcel, sku) -> shipped quantity
    line_sku_to: dict[tuple[str, str], str] = {}   # (parcel, sku) -> shipped SKU

    # never shipped although paid long before the period end
    for oid in pool.take(n):
        dropped_parcels.add(sid_of(oid))
        status[oid] = "paid"
        add("SHIP_UNSHIPPED", oid, oid, int(orders.at[oid, "paid_amount_fen"]), "no parcel at all")

    # shipped after the SLA, still inside the period
    for oid in pool.take(n):
        late = paid_at[oid] + sla + int(rng.integers(60, 40 * 60)) * MINUTE
        ship_time[oid] = late
        add("SHIP_LATE", oid, oid, None, "first parcel after the SLA")

    # near miss: shipped a few minutes inside the SLA
    for oid in pool.take(n):
        ship_time[oid] = paid_at[oid] + sla - int(rng.integers(1, 50)) * MINUTE

    def line_of(oid: str, min_qty: int = 1) -> dict:
        at = lines_of[oid]
        cand = at[line_qty[at] >= min_qty]
        i = cand[int(rng.integers(0, len(cand)))]
        return {"sku": line_sku[i], "qty": line_qty[i], "unit_price_fen": line_price[i]}

    # partial: fewer units of one SKU (or a whole line missing from a multi-line order)
    for oid in pool.take(n, where=lambda o: qty_lines(o) >= 2 or line_count(o) >= 2):
        sid = sid_of(oid)
        if qty_lines(oid) >= 2:
            line = line_of(oid, 2)
            short = int(rng.integers(1, line["qty"]))
            line_qty_to[(sid, line["sku"])] = line["qty"] - short
        else:
            line = line_of(oid)
            short = int(line["qty"])
            dropped_lines.add((sid, line["sku"]))
        add("SHIP_PARTIAL", f"{oid}|{line['sku']}", oid, short * int(line["unit_price_fen"]),
            f"{short} unit(s) short")

    # over-shipped: one unit too many
    for oid in pool.take(n):
        line = line_of(oid)
        line_qty_to[(sid_of(oid), line["sku"])] = line["qty"] + 1
        add("SHIP_OVER", f"{oid}|{line['sku']}", oid, int(line["unit_price_fen"]), "1 extra unit")

    # wrong SKU: the parcel carries another SKU instead of the ordered one
    skus = t["products"].set_index("sku")["list_price_fen"]
    for oid in pool.take(n):
        line = line_of(oid)
        on_order = set(line_sku[lines_of[oid]])
        wrong = next(s for s in rng.permutation(skus.index.to_numpy()) if s not in on_order)
        line_sku_to[(sid_of(oid), line["sku"])] = wrong
        add("SHIP_WRONG_SKU", f"{oid}|{wrong}", oid, int(line["qty"]) * int(skus[wrong]),
            f"{wrong} instead of {line['sku']}")

    ship_times = ships["ship_time"]

    def shipped(oid: str) -> pd.Timestamp:
        return ship_time.get(oid, ship_times.iloc[ship_pos[oid][0]])

    # shipped after the buyer cancelled
    for oid in pool.take(n):
        cancel = max(paid_at[oid] + MINUTE, shipped(oid) - int(rng.integers(10, 120)) * MINUTE)
        status[oid], cancelled_at[oid] = "cancelled", cancel
        add("SHIP_AFTER_CANCEL", oid, oid, int(orders.at[oid, "goods_amount_fen"]),
            "cancelled before the parcel left")

    # near miss: cancelled after the parcel left (an interception, handled as a return)
    for oid in pool.take(n):
        status[oid] = "cancelled"
        cancelled_at[oid] = shipped(oid) + int(rng.integers(2, 72)) * HOUR

    set_by_key(t["orders"], "order_id", status, "status")
    set_by_key(t["orders"], "order_id", cancelled_at, "cancelled_at")
    set_by_key(ships, "order_id", ship_time, "ship_time")
    # (parcel, SKU) of the shipment lines of the parcels changed here
    touched = {sid for sid, _ in (*line_qty_to, *line_sku_to, *dropped_lines)}
    near = np.flatnonzero(isin(ship_lines["shipment_id"], touched))
    pairs = list(zip(ship_lines["shipment_id"].to_numpy()[near],
                     ship_lines["sku"].to_numpy()[near], strict=True))
    for changes, column in ((line_qty_to, "qty"), (line_sku_to, "sku")):
        at = [i for i, pair in zip(near, pairs, strict=True) if pair in changes]
        if at:
            sel = np.zeros(len(ship_lines), dtype=bool)
            sel[at] = True
            ship_lines.loc[sel, column] = pd.array(
                [changes[pair] for pair in pairs if pair in changes], dtype=ship_lines[column].dtype)
    dropped = np.zeros(len(ship_lines), dtype=bool)
    dropped[[i for i, pair in zip(near, pairs, strict=True) if pair in dropped_lines]] = True

    # a parcel for an order that is not in the order export (a manual re-send)
    end = np.datetime64(month.period.end_ts, "s")
    in_period = ships[(ships["ship_time"] < end) & ~isin(ships["shipment_id"], dropped_parcels)]
    templates = in_period.sample(n, random_state=int(rng.integers(1 << 31)))
    new_ships, new_lines = [], []
    for i, (_, row) in enumerate(templates.iterrows()):
        sid = f"FHBF{month.period.start.strftime('%y%m')}{i + 1:05d}"
        row = row.copy()
        row["shipment_id"], row["order_id"] = sid, f"BF{month.period.start:%Y%m%d}{i + 1:04d}"
        row["tracking_no"] = f"{row['tracking_no']}9"
        new_ships.append(row)
        sku = skus.index[int(rng.integers(0, len(skus)))]
        new_lines.append({"shipment_id": sid, "sku": sku, "qty": 1})
        add("SHIP_UNKNOWN_ORDER", sid, None, int(skus[sku]), "re-send without an order")
    ships = ships[~isin(ships["shipment_id"], dropped_parcels)]
    ship_lines = ship_lines[~isin(ship_lines["shipment_id"], dropped_parcels) & ~dropped]
    t["shipments"] = pd.concat([ships, pd.DataFrame(new_ships)], ignore_index=True)
    t["shipment_lines"] = pd.concat([ship_lines, pd.DataFrame(new_lines)], ignore_index=True)
    t["shipment_lines"]["qty"] = t["shipment_lines"]["qty"].astype(np.int64)


def inject_outbound(month: DemoMonth, rate: float = 0.0025) -> None:
    """Outbound (shipments vs stock movements) discrepancies and near misses.

    Runs after the downstream legs exist: it breaks the WMS journal, not the shipments.
    """
    rng = np.random.default_rng(month.seed + 303)
    t = month.tables
    window = month.settings.outbound_window_hours * HOUR
    start = np.datetime64(month.period.start_ts, "s")
    end = np.datetime64(month.period.end_ts, "s")
    ships = t["shipments"]
    moves = t["inventory_movements"]
    skus = t["products"]["sku"].to_numpy()
    cost = dict(zip(skus, t["products"]["unit_cost_fen"].to_numpy(), strict=True))
    touched = {r["order_id"] for r in month.truth if r["order_id"]}
    n = _count(month, rate)

    outbound = moves[moves["movement_type"] == "outbound"]
    per_parcel = outbound.groupby("reference")["movement_id"].count()
    single = per_parcel[per_parcel == 1].index
    ok = (isin(ships["shipment_id"], single) & ~isin(ships["order_id"], touched)
          & (ships["ship_time"] - 3 * window >= start) & (ships["ship_time"] + 3 * window < end))
    free = list(rng.permutation(ships.loc[ok, "shipment_id"].to_numpy()))
    ship_at = dict(zip(ships["shipment_id"].to_numpy(), range(len(ships)), strict=True))
    move_at = dict(zip(outbound["reference"].to_numpy(), range(len(outbound)), strict=True))
    moved = {c: outbound[c].to_numpy() for c in ("movement_id", "sku", "qty", "warehouse")}
    extra_rows: list[dict] = []
    removed: set[str] = set()
    changes: dict[str, dict] = {"qty": {}, "sku": {}, "posted_at": {}}   # column -> id -> value

    def ship_time(sid) -> pd.Timestamp:
        return ships["ship_time"].iloc[ship_at[sid]]

    def move_of(sid) -> dict:
        i = move_at[sid]
        return {**{c: v[i] for c, v in moved.items()},
                "posted_at": outbound["posted_at"].iloc[i]}

    def add(code, key, amount_fen, note):
        month.truth.append({"recon": "outbound", "reason_code": code, "key": key,
                            "order_id": None,
                            "amount": None if amount_fen is None else amount_fen / 100,
                            "note": note})

    def take(k, where=None):
        out, kept = [], []
        while free and len(out) < k:
            sid = free.pop()
            (out if where is None or where(sid) else kept).append(sid)
        free.extend(reversed(kept))
        return out

    def set_move(sid, **values):
        for col, value in values.items():
            changes[col][moved["movement_id"][move_at[sid]]] = value

    for sid in take(n):  # goods left, stock was never deducted
        m = move_of(sid)
        removed.add(m["movement_id"])
        add("OUT_NO_MOVEMENT", f"{sid}|{m['sku']}", int(m["qty"] * cost[m["sku"]]),
            "no outbound movement")
    for sid in take(n):  # quantity differs
        m = move_of(sid)
        posted = int(m["qty"]) + (1 if m["qty"] == 1 or rng.random() < 0.5 else -1)
        set_move(sid, qty=posted)
        add("OUT_QTY_MISMATCH", f"{sid}|{m['sku']}",
            int(abs(posted - m["qty"]) * cost[m["sku"]]), f"posted {posted}, shipped {m['qty']}")
    for sid in take(n):  # another SKU was deducted
        m = move_of(sid)
        other = next(s for s in rng.permutation(skus) if s != m["sku"])
        set_move(sid, sku=other)
        add("OUT_SKU_MISMATCH", f"{sid}|{m['sku']}", int(m["qty"] * cost[m["sku"]]),
            f"{other} deducted instead of {m['sku']}")
    for sid in take(n):  # posted days after the parcel left
        m = move_of(sid)
        late = ship_time(sid) + window + int(rng.integers(2, 48)) * HOUR
        set_move(sid, posted_at=late)
        add("OUT_TIME_GAP", f"{sid}|{m['sku']}", None, "posted outside the window")
    # near miss: parcel left in the evening, movement posted next morning (inside the window)
    evening = take(n, where=lambda s: ship_time(s).hour >= 18)
    for sid in evening:
        morning = (ship_time(sid).normalize() + pd.Timedelta(hours=32)
                   + pd.Timedelta(minutes=int(rng.integers(0, 60))))
        set_move(sid, posted_at=np.datetime64(morning, "s"))
    # near miss: one shipment line deducted in two movements that add up
    for sid in take(n, where=lambda s: move_of(s)["qty"] >= 2):
        m = move_of(sid)
        first = int(rng.integers(1, m["qty"]))
        set_move(sid, qty=first)
        extra_rows.append({"warehouse": m["warehouse"], "sku": m["sku"],
                           "movement_type": "outbound", "qty": int(m["qty"]) - first,
                           "posted_at": m["posted_at"] + 5 * MINUTE, "reference": sid})
    for col, values in changes.items():
        set_by_key(moves, "movement_id", values, col)
    # stock that left with no parcel behind it: a possible loss
    whs = moves["warehouse"].unique()
    for i in range(n):
        sku = skus[int(rng.integers(0, len(skus)))]
        qty = int(rng.integers(1, 4))
        mid = f"MVX{month.period.start:%y%m}{i + 1:05d}"
        extra_rows.append({"movement_id": mid, "warehouse": whs[i % len(whs)], "sku": sku,
                           "movement_type": "outbound", "qty": qty,
                           "posted_at": start + int(rng.integers(2, 26 * 24)) * HOUR,
                           "reference": None if i % 2 else f"XS{month.period.start:%y%m}{i:05d}"})
        add("OUT_NO_SHIPMENT", mid, int(qty * cost[sku]), "movement without a parcel")

    extra = pd.DataFrame(extra_rows)
    missing_id = extra["movement_id"].isna() if "movement_id" in extra else True
    extra.loc[missing_id, "movement_id"] = [f"MVS{month.period.start:%y%m}{i + 1:05d}"
                                            for i in range(int(np.sum(missing_id)))]
    kept = moves[~isin(moves["movement_id"], removed)]
    t["inventory_movements"] = pd.concat([kept, extra], ignore_index=True).sort_values(
        "posted_at", kind="stable").reset_index(drop=True)
