"""Generate a clean demo month as canonical frames: every record agrees with every other.

Money is generated in integer fen (cents) and converted to ``Decimal`` yuan only when written, so
the demo's sums are exact. Everything is vectorised with numpy so a million-order month is
feasible for the benchmarks. Discrepancies are injected afterwards by :mod:`recon_lib.demo.inject`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.demo import world
from recon_lib.demo.carry import Carry
from recon_lib.demo.columns import text_join, zfill
from recon_lib.periods import Period

HOUR = np.timedelta64(3600, "s")
MINUTE = np.timedelta64(60, "s")


@dataclass
class DemoMonth:
    """A demo month: canonical frames (money in fen columns ending ``_fen``) and the answer key."""

    period: Period
    seed: int
    tables: dict[str, pd.DataFrame]
    truth: list[dict] = field(default_factory=list)
    settings: Settings = DEFAULT_SETTINGS
    earlier: Carry = field(default_factory=Carry)
    """What the months before left open: the records of theirs that fall in this month or later."""
    carry: Carry = field(default_factory=Carry)
    """What this month leaves open, for the months after it."""
    reserved: set[str] = field(default_factory=set)
    """Orders an injector changed on purpose (or set beside one as a near miss): the others
    leave them alone."""


def _choice(rng: np.random.Generator, options, weights, size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(np.asarray(options, dtype=object), size=size, p=p / p.sum())


def _ids(prefix: str, start: int, n: int, width: int) -> pd.api.extensions.ExtensionArray:
    """``prefix`` and a zero-padded serial number from ``start``, as a text column."""
    return text_join(prefix, zfill(np.arange(start, start + n), width))


def _products(rng: np.random.Generator, n_sku: int) -> pd.DataFrame:
    cat = rng.integers(0, len(world.CATEGORIES), n_sku)
    word = rng.integers(0, len(world.PRODUCT_WORDS), n_sku)
    price = (rng.lognormal(4.4, 0.6, n_sku).clip(19, 1999)).round().astype(np.int64) * 100 - 10
    return pd.DataFrame({
        "sku": _ids("SY", 10001, n_sku, 5),
        "name": [f"{world.PRODUCT_WORDS[w]}{world.CATEGORIES[c]}{i % 97 + 1}号"
                 for i, (w, c) in enumerate(zip(word, cat, strict=True))],
        "category": np.asarray(world.CATEGORIES, dtype=object)[cat],
        "unit_cost_fen": (price * rng.uniform(0.35, 0.55, n_sku)).astype(np.int64),
        "list_price_fen": price,
        "weight_g": rng.integers(150, 4500, n_sku),
    })


def _order_ids(rng: np.random.Generator, channel: np.ndarray, created: np.ndarray,
               period: Period) -> pd.api.extensions.ExtensionArray:
    """Channel-shaped order numbers, unique across periods (the period is part of them)."""
    n = len(channel)
    seq = (rng.permutation(n) + 1).astype(np.int64)
    ym = period.start.strftime("%y%m")
    tm, jd, dy, sh = (pa.array(channel == c) for c in ("tmall", "jd", "douyin", "shop"))
    days = pc.strftime(pa.array(np.asarray(created, dtype="datetime64[s]")), "%Y%m%d", locale="C")
    prefix = pc.if_else(tm, "3" + ym, pc.if_else(jd, "28" + ym, pc.if_else(
        dy, "69" + ym, pc.if_else(sh, pc.binary_join_element_wise("SO", days, ""), None))))
    number = pc.if_else(tm, zfill(seq * 7919 + 104729, 14), pc.if_else(
        jd, zfill(seq * 6113, 8), pc.if_else(dy, zfill(seq * 5227 + 31, 13), zfill(seq, 7))))
    return text_join(prefix, number)


def _customers(rng: np.random.Generator, n: int) -> tuple:
    s = rng.integers(0, len(world.SURNAMES), n)
    g1 = rng.integers(0, len(world.GIVEN), n)
    g2 = rng.integers(0, len(world.GIVEN), n)
    two = rng.random(n) < 0.6
    surnames = np.array(list(world.SURNAMES), dtype=object)
    given = np.array(list(world.GIVEN), dtype=object)
    names = text_join(surnames[s], given[g1], np.where(two, given[g2], ""))
    prefix = rng.choice(np.array(["138", "139", "150", "186", "177", "135", "152", "199"]), n)
    phones = text_join(prefix.astype(object), zfill(rng.integers(0, 10**8, n), 8))
    street = rng.integers(0, len(world.STREETS), n)
    no, building, room = (rng.integers(1, 999, n), rng.integers(1, 30, n),
                          rng.integers(101, 2505, n))
    addr = text_join(np.asarray(world.STREETS, dtype=object)[street], _text(no), "号",
                     _text(building), "栋", _text(room), "室")
    return names, phones, addr


def _text(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(numbers), pa.string())


def generate_month(period: Period, orders: int = 20_000, seed: int = 7,
                   settings: Settings = DEFAULT_SETTINGS,
                   catalogue: pd.DataFrame | None = None) -> DemoMonth:
    """A clean month of ``orders`` orders (before any injected discrepancy).

    ``catalogue``: the products of the months before, kept as they were (their orders are still
    settled and returned at those prices and categories) and extended when this month sells more.
    """
    rng = np.random.default_rng(seed)
    start = np.datetime64(period.start_ts, "s")
    end = np.datetime64(period.end_ts, "s")
    seconds = int((end - start) / np.timedelta64(1, "s"))
    sla = settings.ship_sla_hours * HOUR

    products = _products(rng, max(60, min(400, orders // 50)))
    if catalogue is not None:
        products = pd.concat([catalogue, products.iloc[len(catalogue):]], ignore_index=True)
    n = orders

    # -- orders ---------------------------------------------------------------------------------
    channel = _choice(rng, list(world.CHANNEL_WEIGHTS), list(world.CHANNEL_WEIGHTS.values()), n)
    # leave the last hour empty so no payment falls past the period end
    created = np.sort(start + rng.integers(0, seconds - 3600, n).astype("timedelta64[s]"))
    order_id = _order_ids(rng, channel, created, period)
    province = _choice(rng, list(world.PROVINCE_WEIGHTS), list(world.PROVINCE_WEIGHTS.values()), n)
    name, phone, address = _customers(rng, n)
    fate = rng.random(n)
    never_paid = fate < 0.02
    cancelled_before_ship = (fate >= 0.02) & (fate < 0.035)
    paid_at = created + rng.integers(30, 1200, n).astype("timedelta64[s]")
    cancelled_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    cancelled_at[never_paid] = created[never_paid] + 30 * MINUTE
    cancelled_at[cancelled_before_ship] = paid_at[cancelled_before_ship] + rng.integers(
        600, 6 * 3600, cancelled_before_ship.sum()).astype("timedelta64[s]")
    paid_at[never_paid] = np.datetime64("NaT")

    # -- order lines ----------------------------------------------------------------------------
    n_lines = rng.choice([1, 2, 3], n, p=[0.70, 0.22, 0.08])
    line_order = np.repeat(np.arange(n), n_lines)
    sku_pick = rng.integers(0, len(products), len(line_order))
    lines = pd.DataFrame({"o": line_order, "p": sku_pick}).drop_duplicates(["o", "p"])
    lines["line_no"] = lines.groupby("o").cumcount() + 1
    lines["qty"] = rng.choice([1, 2, 3], len(lines), p=[0.75, 0.18, 0.07])
    list_price = products["list_price_fen"].to_numpy()[lines["p"].to_numpy()]
    lines["unit_price_fen"] = (list_price * rng.choice([1.0, 0.9, 0.85], len(lines))).astype(
        np.int64) // 10 * 10
    lines["line_amount_fen"] = lines["qty"] * lines["unit_price_fen"]
    goods = lines.groupby("o")["line_amount_fen"].sum().reindex(range(n), fill_value=0).to_numpy()
    shipping_fee = np.where(rng.random(n) < 0.1, 800, 0)
    discount = np.where(rng.random(n) < 0.3, (goods * 0.05).astype(np.int64) // 100 * 100, 0)
    paid = goods + shipping_fee - discount

    status = np.where(never_paid | cancelled_before_ship, "cancelled", "completed").astype(object)
    order_tbl = pd.DataFrame({
        "order_id": order_id, "channel": channel,
        "shop": pd.Series(channel).map(world.SHOP_NAMES).to_numpy(),
        "status": status, "created_at": created, "paid_at": paid_at, "cancelled_at": cancelled_at,
        "customer_name": name, "customer_phone": phone, "ship_province": province,
        "ship_city": pd.Series(province).map(world.CITIES).to_numpy(),
        "ship_address": address, "currency": "CNY",
        "goods_amount_fen": goods, "shipping_fee_fen": shipping_fee, "discount_fen": discount,
        "paid_amount_fen": paid,
    })
    line_tbl = pd.DataFrame({
        "order_id": order_id[lines["o"].to_numpy()],
        "line_no": lines["line_no"].to_numpy(),
        "sku": products["sku"].to_numpy()[lines["p"].to_numpy()],
        "qty": lines["qty"].to_numpy(),
        "unit_price_fen": lines["unit_price_fen"].to_numpy(),
        "line_amount_fen": lines["line_amount_fen"].to_numpy(),
    })

    # -- shipments: one parcel per order, a few legitimately split in two -------------------------
    ships = ~(never_paid | cancelled_before_ship)
    hours = rng.lognormal(np.log(14), 0.6, n).clip(0.5, settings.ship_sla_hours - 3)
    ship_time = paid_at + (hours * 3600).astype("timedelta64[s]")
    region = pd.Series(province).map({p: r for p, (r, _) in world.PROVINCES.items()}).to_numpy()
    warehouse = pd.Series(region).map(world.WAREHOUSES).to_numpy()
    carrier = np.where(channel == "jd",
                       _choice(rng, ["JDL", "SF"], [0.85, 0.15], n),
                       _choice(rng, ["SF", "ZTO", "YTO"], [0.35, 0.40, 0.25], n))
    ship_idx = np.flatnonzero(ships)
    parcels = pd.DataFrame({"o": ship_idx, "parcel": 1, "ship_time": ship_time[ship_idx]})
    real_lines = lines.groupby("o")["line_no"].count().reindex(range(n), fill_value=0).to_numpy()
    multi_line = real_lines[ship_idx] >= 2
    split = ship_idx[multi_line & (rng.random(len(ship_idx)) < 0.06)]
    second_time = np.minimum(ship_time[split] + rng.integers(2, 12, len(split)) * HOUR,
                             paid_at[split] + sla - HOUR)
    parcels = pd.concat([parcels, pd.DataFrame({"o": split, "parcel": 2, "ship_time": second_time})])
    parcels = parcels.sort_values(["ship_time", "o", "parcel"], kind="stable").reset_index(drop=True)

    # lines of split orders: the last line goes in parcel 2
    lines = lines.merge(pd.DataFrame({"o": split, "is_split": True}), on="o", how="left")
    last_line = lines["line_no"] == lines.groupby("o")["line_no"].transform("max")
    lines["parcel"] = np.where(lines["is_split"].fillna(False).astype(bool) & last_line, 2, 1)
    ship_lines = parcels.merge(lines[["o", "p", "qty", "parcel"]], on=["o", "parcel"])

    parcels["shipment_id"] = _ids("FH" + period.start.strftime("%y%m"), 1, len(parcels), 7)
    parcels["carrier"] = carrier[parcels["o"].to_numpy()]
    parcels["tracking_no"] = _tracking_numbers(rng, parcels["carrier"].to_numpy(), period)
    weights_g = (ship_lines.assign(w=products["weight_g"].to_numpy()[ship_lines["p"]] *
                                   ship_lines["qty"])
                 .groupby(["o", "parcel"])["w"].sum())
    w = weights_g.reindex(pd.MultiIndex.from_frame(parcels[["o", "parcel"]])).to_numpy()
    parcels["weight_g"] = (w + 120 + rng.integers(-40, 40, len(parcels))).astype(np.int64)
    # some parcels are bulky (storage boxes, lamps): their volumetric weight exceeds the actual
    bulky = np.where(rng.random(len(parcels)) < 0.15, 2.2, 1.0)
    side = (np.cbrt(parcels["weight_g"].to_numpy() * 2.2) * bulky).clip(12, 120)
    parcels["length_cm"] = (side * 1.4).round()
    parcels["width_cm"] = side.round()
    parcels["height_cm"] = (side * 0.6).round().clip(5)
    o = parcels["o"].to_numpy()
    ship_tbl = pd.DataFrame({
        "shipment_id": parcels["shipment_id"], "order_id": order_id[o],
        "tracking_no": parcels["tracking_no"], "carrier": parcels["carrier"],
        "service": np.where(parcels["carrier"] == "SF", "express", "standard").astype(object),
        "warehouse": warehouse[o], "ship_time": parcels["ship_time"].to_numpy(),
        "weight_g": parcels["weight_g"], "length_cm": parcels["length_cm"],
        "width_cm": parcels["width_cm"], "height_cm": parcels["height_cm"],
        "dest_province": province[o],
        "declared_value_fen": np.where(paid[o] > 50_000, paid[o], 0),
    })
    key = parcels.set_index(["o", "parcel"])["shipment_id"]
    ship_line_tbl = pd.DataFrame({
        "shipment_id": key.reindex(pd.MultiIndex.from_frame(ship_lines[["o", "parcel"]])).to_numpy(),
        "sku": products["sku"].to_numpy()[ship_lines["p"].to_numpy()],
        "qty": ship_lines["qty"].to_numpy(),
    })

    tables = {
        "products": products, "orders": order_tbl, "order_lines": line_tbl,
        "shipments": ship_tbl, "shipment_lines": ship_line_tbl,
    }
    return DemoMonth(period=period, seed=seed, tables=tables, settings=settings)


def _tracking_numbers(rng: np.random.Generator, carrier: np.ndarray, period: Period):
    """Carrier-shaped waybill numbers, unique across periods."""
    n = len(carrier)
    digits = zfill(rng.integers(0, 10**4, n), 4)
    serial = zfill(np.arange(n), 7)
    # ZTO waybills are all digits and may start with 0: they must survive as text
    prefix = pd.Series(carrier, dtype=object).map({"SF": "SF1", "ZTO": "0", "YTO": "YT",
                                                   "JDL": "JDV"})
    return text_join(prefix.to_numpy(), period.start.strftime("%y%m"), digits, serial)
