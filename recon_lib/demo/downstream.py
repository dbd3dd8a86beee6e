"""The legs that follow the shipments: stock, courier bills, tracking, returns, money, service.

They are derived from the (already injected) orders and shipments so that every leg agrees with
what physically happened; later injectors then break specific legs on purpose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recon_lib.demo import carry, freight, returns, world
from recon_lib.demo.columns import isin
from recon_lib.demo.generator import HOUR, MINUTE, DemoMonth, _ids

DAY = 24 * HOUR


def add_logistics(month: DemoMonth) -> None:
    """Stock, contracts, tracking and the returns' own legs, before any leg is broken.

    Parcels that leave after the period's end get their movements, tracking and returns here too,
    then go with them into the month's carry.
    """
    rng = np.random.default_rng(month.seed + 202)
    t = month.tables
    close_period(month)
    t["inventory_movements"] = movements(rng, month)
    t["inventory_snapshots"] = _snapshot(rng, month)
    t["rate_cards"] = freight.rate_cards(month)
    t["rate_card_surcharges"] = freight.surcharges(month)
    t["tracking_events"] = _tracking(rng, month)
    returns.add_returns(rng, month)
    carry.cut(month, "shipments")
    carry.cut(month, "inventory_movements")


def add_bills(month: DemoMonth) -> None:
    """The couriers' bills, for the parcels and return pickups that really happened; return
    pickups after the period's end are billed next month."""
    returns.finish_returns(month)
    month.tables["courier_bill_lines"] = freight.bills(
        np.random.default_rng(month.seed + 203), month)
    carry.cut(month, "courier_bill_lines")
    carry.cut(month, "return_requests")


def add_service(month: DemoMonth) -> None:
    """Customer-service tickets and reviews, with the earlier months' tickets opened in this one;
    a ticket resolved after the period's end shows as open."""
    rng = np.random.default_rng(month.seed + 204)
    end = np.datetime64(month.period.end_ts, "s")
    month.tables["service_tickets"] = _tickets(rng, month)
    carry.cut(month, "service_tickets")
    carry.take(month, "service_tickets")
    tickets = month.tables["service_tickets"]
    tickets.loc[tickets["resolved_at"] >= end, "resolved_at"] = pd.NaT


def close_period(month: DemoMonth) -> None:
    """An order that has no parcel by the period's end shows as paid, not completed."""
    t = month.tables
    end = np.datetime64(month.period.end_ts, "s")
    shipped = t["shipments"].loc[t["shipments"]["ship_time"] < end, "order_id"]
    orders = t["orders"]
    pending = (orders["status"] == "completed") & ~isin(orders["order_id"], shipped)
    orders.loc[pending, "status"] = "paid"


def movements(rng, month: DemoMonth) -> pd.DataFrame:
    """The WMS journal: an outbound movement per packed line, plus replenishments."""
    t = month.tables
    lines = t["shipment_lines"].merge(
        t["shipments"][["shipment_id", "warehouse", "ship_time"]], on="shipment_id")
    out = pd.DataFrame({
        "warehouse": lines["warehouse"], "sku": lines["sku"], "movement_type": "outbound",
        "qty": lines["qty"],
        # WMS posts the pick a little before the parcel is handed over
        "posted_at": lines["ship_time"] - rng.integers(5, 90, len(lines)) * MINUTE,
        "reference": lines["shipment_id"],
    })
    skus = t["products"]["sku"].to_numpy()
    n_in = max(10, len(skus) // 2)
    inbound = pd.DataFrame({
        "warehouse": rng.choice(sorted(set(world.WAREHOUSES.values())), n_in),
        "sku": rng.choice(skus, n_in), "movement_type": "inbound",
        "qty": rng.integers(50, 500, n_in),
        "posted_at": np.datetime64(month.period.start_ts, "s")
        + rng.integers(0, 27 * 24 * 3600, n_in).astype("timedelta64[s]"),
        "reference": _ids("CG", 1, n_in, 6),
    })
    out = pd.concat([out, inbound], ignore_index=True).sort_values("posted_at", kind="stable")
    out.insert(0, "movement_id", _ids("MV" + month.period.start.strftime("%y%m"), 1, len(out), 8))
    return out.reset_index(drop=True)


def _snapshot(rng, month: DemoMonth) -> pd.DataFrame:
    products = month.tables["products"]
    whs = sorted(set(world.WAREHOUSES.values()))
    grid = pd.MultiIndex.from_product([whs, products["sku"]], names=["warehouse", "sku"])
    snap = grid.to_frame(index=False)
    snap["safety_stock"] = rng.integers(5, 60, len(snap))
    snap["on_hand"] = (snap["safety_stock"] * rng.uniform(0.3, 6, len(snap))).astype(np.int64)
    cost = products.set_index("sku")["unit_cost_fen"]
    snap["unit_cost_fen"] = cost.reindex(snap["sku"]).to_numpy()
    snap.insert(0, "snapshot_date", month.period.last_day)
    return snap


def _tracking(rng, month: DemoMonth) -> pd.DataFrame:
    ships = month.tables["shipments"]
    n = len(ships)
    pickup = ships["ship_time"].to_numpy() + rng.integers(20, 240, n) * MINUTE
    transit_days = rng.choice([1, 2, 3, 4, 5], n, p=[0.25, 0.35, 0.25, 0.1, 0.05])
    delivered = pickup + transit_days * DAY + rng.integers(-6, 6, n) * HOUR
    promised = (ships["ship_time"].dt.normalize() + pd.Timedelta(days=3)).dt.date.to_numpy()
    frames = [
        pd.DataFrame({"tracking_no": ships["tracking_no"], "carrier": ships["carrier"],
                      "event_type": "pickup", "event_time": pickup, "promised_date": promised,
                      "location": ships["warehouse"]}),
        pd.DataFrame({"tracking_no": ships["tracking_no"], "carrier": ships["carrier"],
                      "event_type": "delivered", "event_time": delivered,
                      "promised_date": promised, "location": ships["dest_province"]}),
    ]
    return pd.concat(frames, ignore_index=True).sort_values("event_time", kind="stable")


def _tickets(rng, month: DemoMonth) -> pd.DataFrame:
    orders = month.tables["orders"]
    sample = orders[orders["status"] != "cancelled"].sample(frac=0.03, random_state=month.seed)
    n = len(sample)
    category = rng.choice(["quality", "delivery", "service", "review", "other"], n,
                          p=[0.2, 0.25, 0.1, 0.4, 0.05])
    opened = sample["paid_at"].to_numpy() + rng.integers(1, 10, n) * DAY
    resolved = opened + rng.integers(1, 96, n) * HOUR
    score = np.where(category == "review", rng.choice([1, 2, 3, 4, 5], n,
                                                      p=[0.04, 0.04, 0.1, 0.3, 0.52]), None)
    out = pd.DataFrame({
        "ticket_id": _ids("GD" + month.period.start.strftime("%y%m"), 1, n, 6),
        "order_id": sample["order_id"].to_numpy(), "channel": sample["channel"].to_numpy(),
        "category": category, "score": score, "opened_at": opened, "resolved_at": resolved,
        "reopened": rng.random(n) < 0.05,
    })
    out.insert(2, "sku", _named_skus(rng, month, out))
    return out


NAMED_SKU_SHARE = 0.8
"""Share of quality complaints and low reviews whose export names the SKU (商家编码); the rest
are about the whole order."""


def _named_skus(rng, month: DemoMonth, tickets: pd.DataFrame) -> np.ndarray:
    """One SKU of the ticket's order for most quality complaints and low reviews, else None.

    Drawn after every other column of the tickets, so naming SKUs changes nothing else."""
    n = len(tickets)
    pick = rng.random(n)  # which line of the order
    named = rng.random(n) < NAMED_SKU_SHARE
    low = (tickets["category"] == "review") & (pd.to_numeric(tickets["score"]) <= 2)
    named &= ((tickets["category"] == "quality") | low).to_numpy()
    # each order's distinct SKUs in sorted order, for the tickets' orders only
    lines = month.tables["order_lines"]
    pairs = (lines.loc[isin(lines["order_id"], tickets["order_id"]), ["order_id", "sku"]]
             .drop_duplicates().sort_values(["order_id", "sku"], kind="stable"))
    orders, first, count = np.unique(pairs["order_id"].to_numpy(dtype=object), return_index=True,
                                     return_counts=True)
    at = pd.Index(orders).get_indexer(tickets["order_id"].to_numpy(dtype=object))
    has = at >= 0
    line = np.where(has, first[at] + (pick * np.where(has, count[at], 0)).astype(np.int64), 0)
    skus = pairs["sku"].to_numpy(dtype=object)
    return np.where(named & has, skus[np.minimum(line, len(skus) - 1)] if len(skus) else None,
                    None).astype(object)
