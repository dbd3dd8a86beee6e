"""The shipping reconciliation written plainly in pandas: the benchmarks' baseline.

It implements the same rules as ``recon_lib/sql/shipping_discrepancies.sql`` the way an analyst
would in a notebook (merge with indicator, then classify), and returns the same (reason_code,
key) pairs, which ``tests/benchmarks/test_baseline_agrees.py`` checks on a demo month.
"""

from __future__ import annotations

import pandas as pd


def reconcile_shipping(tables: dict[str, pd.DataFrame], period_start, period_end,
                       sla_hours: int = 48) -> pd.DataFrame:
    orders = tables["orders"]
    lines = tables["order_lines"]
    ships = tables["shipments"]
    ship_lines = tables["shipment_lines"]
    start, end = pd.Timestamp(period_start), pd.Timestamp(period_end)
    sla = pd.Timedelta(hours=sla_hours)

    shipped_by_end = ships[ships["ship_time"] < end]
    parcels = shipped_by_end.groupby("order_id").agg(
        n_parcels=("shipment_id", "size"), first_ship=("ship_time", "min"),
        last_ship=("ship_time", "max"))
    o = orders.merge(parcels, left_on="order_id", right_index=True, how="left")
    o["deadline"] = o["paid_at"] + sla
    cancelled_first = o["cancelled_at"].notna() & (
        o["first_ship"].isna() | (o["cancelled_at"] < o["first_ship"]))
    due = o[o["paid_at"].notna() & (o["deadline"] >= start) & (o["deadline"] < end)
            & ~cancelled_first]

    out = []
    unshipped = due[due["n_parcels"].isna()]
    out.append(pd.DataFrame({"reason_code": "SHIP_UNSHIPPED", "key": unshipped["order_id"]}))
    late = due[due["last_ship"] > due["deadline"]]
    out.append(pd.DataFrame({"reason_code": "SHIP_LATE", "key": late["order_id"]}))

    with_parcels = due.loc[due["n_parcels"].notna(), ["order_id"]]
    ordered = lines.merge(with_parcels, on="order_id").groupby(
        ["order_id", "sku"], as_index=False)["qty"].sum()
    sent = (ship_lines.merge(shipped_by_end[["shipment_id", "order_id"]], on="shipment_id")
            .merge(with_parcels, on="order_id")
            .groupby(["order_id", "sku"], as_index=False)["qty"].sum())
    cmp = ordered.merge(sent, on=["order_id", "sku"], how="outer", suffixes=("_ordered", "_shipped"),
                        indicator=True).fillna({"qty_ordered": 0, "qty_shipped": 0})
    not_ordered = cmp[cmp["_merge"] == "right_only"].sort_values(["order_id", "sku"])
    not_shipped = cmp[cmp["qty_shipped"] == 0].sort_values(["order_id", "sku"])
    not_ordered = not_ordered.assign(rn=not_ordered.groupby("order_id").cumcount())
    not_shipped = not_shipped.assign(rn=not_shipped.groupby("order_id").cumcount())
    substituted = not_shipped.merge(not_ordered[["order_id", "rn"]], on=["order_id", "rn"])
    out.append(pd.DataFrame({"reason_code": "SHIP_WRONG_SKU",
                             "key": not_ordered["order_id"] + "|" + not_ordered["sku"]}))
    short = cmp[cmp["qty_ordered"] > cmp["qty_shipped"]]
    short = short.merge(substituted[["order_id", "sku"]], on=["order_id", "sku"], how="left",
                        indicator="sub")
    short = short[short["sub"] == "left_only"]
    out.append(pd.DataFrame({"reason_code": "SHIP_PARTIAL",
                             "key": short["order_id"] + "|" + short["sku"]}))
    over = cmp[(cmp["qty_ordered"] > 0) & (cmp["qty_shipped"] > cmp["qty_ordered"])]
    out.append(pd.DataFrame({"reason_code": "SHIP_OVER", "key": over["order_id"] + "|" + over["sku"]}))

    in_period = ships[(ships["ship_time"] >= start) & (ships["ship_time"] < end)]
    ac = in_period.merge(orders[["order_id", "cancelled_at"]], on="order_id")
    ac = ac[ac["ship_time"] > ac["cancelled_at"]]
    out.append(pd.DataFrame({"reason_code": "SHIP_AFTER_CANCEL", "key": ac["order_id"].unique()}))
    orphan = in_period.merge(orders[["order_id"]], on="order_id", how="left", indicator=True)
    orphan = orphan[orphan["_merge"] == "left_only"]
    out.append(pd.DataFrame({"reason_code": "SHIP_UNKNOWN_ORDER", "key": orphan["shipment_id"]}))
    # no amounts or explanations: the baseline does less work than the engine, so the ratio
    # the benchmark reports is conservative
    return pd.concat(out, ignore_index=True).sort_values(["reason_code", "key"], ignore_index=True)
