"""Order intake in the demo: postcodes and the catalogue's 在售 flag, and each intake reason code
injected with near misses beside it.

Two moments. :func:`inject_orders` runs on the clean month before anything downstream is
derived: prices, duplicate orders and orders cancelled for an unknown SKU change what is settled,
shipped and returned, so the legs must be derived from the changed orders; the orders it touches
are reserved from the other injectors. :func:`inject_finish` runs once every leg exists: phones,
addresses, postcodes, totals, discontinued SKUs, payment times, and last the stock snapshot,
made to agree with the month's orders and movements before a few SKUs are made short on purpose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recon_lib.demo.columns import isin
from recon_lib.demo.generator import MINUTE, DemoMonth
from recon_lib.geo import POSTCODE_PREFIXES

RECON = "intake"
RATE = 0.0025


def _count(month: DemoMonth, rate: float = RATE) -> int:
    return max(3, round(len(month.tables["orders"]) * rate))


def _add(month: DemoMonth, code: str, key: str, order_id: str, amount_fen: int, note: str):
    month.truth.append({"recon": RECON, "reason_code": code, "key": key, "order_id": order_id,
                        "amount": amount_fen / 100, "note": note})


def _prefix(province: str) -> str:
    return next(p for p, name in POSTCODE_PREFIXES.items() if name == province)


def _postcodes(rng: np.random.Generator, provinces) -> np.ndarray:
    prefix = pd.Series(provinces, dtype=object).map(
        {p: _prefix(p) for p in set(provinces) if isinstance(p, str)})
    tail = pd.Series(rng.integers(0, 10_000, len(prefix))).map("{:04d}".format)
    return (prefix + tail.to_numpy()).to_numpy(dtype=object)


class _Free:
    """Orders of the period still free to carry an intake finding or near miss."""

    def __init__(self, month: DemoMonth, rng: np.random.Generator, where: np.ndarray):
        ids = month.tables["orders"]["order_id"].to_numpy(dtype=object)
        ok = where & ~isin(ids, month.reserved)
        self.free = list(rng.permutation(ids[ok]))
        self.month = month

    def take(self, n: int) -> list[str]:
        out: list[str] = []
        while self.free and len(out) < n:
            oid = self.free.pop()
            if oid not in self.month.reserved:   # another pool may have taken it
                out.append(oid)
                self.month.reserved.add(oid)
        return out


def _inside(month: DemoMonth, days_after: int = 1, days_before: int = 4) -> np.ndarray:
    created = month.tables["orders"]["created_at"]
    start, end = pd.Timestamp(month.period.start_ts), pd.Timestamp(month.period.end_ts)
    return ((created >= start + pd.Timedelta(days=days_after))
            & (created < end - pd.Timedelta(days=days_before))).to_numpy()


def _single(month: DemoMonth) -> np.ndarray:
    """Completed orders of one line in one parcel: their line and parcel can be rewritten."""
    t = month.tables
    orders = t["orders"]
    lines = t["order_lines"].groupby("order_id")["line_no"].count()
    parcels = t["shipments"].groupby("order_id")["shipment_id"].count()
    one = lines.index[lines == 1].intersection(parcels.index[parcels == 1])
    return (isin(orders["order_id"], one) & (orders["status"] == "completed").to_numpy()
            & _inside(month, 2, 6))


def inject_orders(month: DemoMonth, rate: float = RATE) -> None:
    """Prices off the list price and likely duplicate orders, with their near misses, on the
    clean month (before shipping is injected and the downstream legs derived)."""
    rng = np.random.default_rng(month.seed + 404)
    t = month.tables
    products = t["products"]
    # a SKU discontinued in an earlier month stays so (the catalogue is carried)
    products["active"] = (products["active"].astype(object).where(products["active"].notna(), True)
                          if "active" in products else True)
    t["orders"]["ship_postcode"] = _postcodes(rng, t["orders"]["ship_province"].to_numpy())
    n = _count(month, rate)
    _unknown_skus(month, rng, n)
    free = _Free(month, rng, _single(month))
    orders = t["orders"].set_index("order_id")
    lines = t["order_lines"]
    line_at = dict(zip(lines["order_id"].to_numpy(dtype=object), range(len(lines)), strict=True))
    products = t["products"].set_index("sku")
    ships = t["shipments"]
    ship_lines = t["shipment_lines"]
    parcel_of = dict(zip(ships["order_id"].to_numpy(dtype=object),
                         ships["shipment_id"].to_numpy(dtype=object), strict=True))
    # looked up per injected order: dicts, not a scan of every parcel each time
    shipped_at = dict(zip(ships["shipment_id"].to_numpy(dtype=object), ships["ship_time"],
                          strict=True))
    declared = dict(zip(ships["order_id"].to_numpy(dtype=object),
                        ships["declared_value_fen"].to_numpy(), strict=True))
    changes: dict[str, dict] = {}          # order -> its new order columns
    line_changes: dict[str, dict] = {}     # order -> its one line's new columns
    parcel_changes: dict[str, dict] = {}   # parcel -> new columns

    def reprice(oid: str, unit_fen: int) -> dict:
        i = line_at[oid]
        qty = int(lines["qty"].iat[i])
        goods = qty * unit_fen
        o = orders.loc[oid]
        discount = min(int(o["discount_fen"]), goods)
        paid = goods + int(o["shipping_fee_fen"]) - discount
        line_changes[oid] = {"unit_price_fen": unit_fen, "line_amount_fen": goods}
        changes[oid] = {"goods_amount_fen": goods, "discount_fen": discount,
                        "paid_amount_fen": paid}
        parcel_changes[parcel_of[oid]] = {"declared_value_fen": paid if paid > 50_000 else 0}
        return {"qty": qty, "sku": lines["sku"].iat[i]}

    # a price beyond the tolerance (30% off, 30% over), or below cost; near misses inside it
    tolerance = month.settings.intake_price_tolerance
    for k, oid in enumerate(free.take(n)):
        sku = lines["sku"].iat[line_at[oid]]
        list_fen = int(products.at[sku, "list_price_fen"])
        cost_fen = int(products.at[sku, "unit_cost_fen"])
        unit = ((list_fen * (1 - tolerance - 0.1)) // 10 * 10 if k % 3 == 0
                else (list_fen * (1 + tolerance + 0.1)) // 10 * 10 if k % 3 == 1
                else cost_fen - 100)
        line = reprice(oid, int(max(unit, 10)))
        _add(month, "INTAKE_PRICE_OFF_LIST", f"{oid}|{sku}", oid,
             abs(list_fen - int(max(unit, 10))) * line["qty"], "price off the list price")
    for k, oid in enumerate(free.take(n)):
        sku = lines["sku"].iat[line_at[oid]]
        list_fen = int(products.at[sku, "list_price_fen"])
        share = (1 - tolerance + 0.02) if k % 2 == 0 else (1 + tolerance - 0.02)
        reprice(oid, int(list_fen * share) // 10 * 10)

    # the same buyer, address and items twice: within the window (a finding), two hours apart
    # and with other items (near misses)
    window = month.settings.intake_duplicate_minutes
    for kind in ("duplicate", "later", "other_items"):
        for _ in range(n):
            pair = free.take(2)
            if len(pair) < 2:
                break
            first, again = pair
            a, b = orders.loc[first], orders.loc[again]
            minutes = (int(rng.integers(1, window)) if kind != "later"
                       else int(rng.integers(2 * 60, 3 * 60)))
            created = a["created_at"] + minutes * MINUTE
            shift = created - b["created_at"]
            changes[again] = {
                "created_at": created, "paid_at": b["paid_at"] + shift,
                **{c: a[c] for c in ("channel", "shop", "customer_name", "customer_phone",
                                     "ship_province", "ship_city", "ship_address",
                                     "ship_postcode")}}
            parcel = parcel_of[again]
            parcel_changes[parcel] = {"ship_time": shipped_at[parcel] + shift,
                                      "dest_province": a["ship_province"]}
            if kind == "other_items":
                if (lines["sku"].iat[line_at[first]], lines["qty"].iat[line_at[first]]) == (
                        lines["sku"].iat[line_at[again]], lines["qty"].iat[line_at[again]]):
                    del changes[again], parcel_changes[parcel]   # the same items after all
                continue
            i = line_at[first]
            line_changes[again] = {c: lines[c].iat[i] for c in
                                   ("sku", "qty", "unit_price_fen", "line_amount_fen")}
            changes[again].update({c: a[c] for c in ("goods_amount_fen", "shipping_fee_fen",
                                                     "discount_fen", "paid_amount_fen")})
            parcel_changes[parcel].update({"declared_value_fen": int(declared[first])})
            if kind == "duplicate":
                _add(month, "INTAKE_LIKELY_DUPLICATE", again, again, int(a["paid_amount_fen"]),
                     f"{minutes} minutes after {first}")

    _apply(t["orders"], "order_id", changes)
    _apply(lines, "order_id", line_changes)
    _apply(ships, "shipment_id", parcel_changes)
    moved = {parcel_of[o]: v for o, v in line_changes.items() if "sku" in v}
    _apply(ship_lines, "shipment_id", {p: {"sku": v["sku"], "qty": v["qty"]}
                                       for p, v in moved.items()})


def _apply(df: pd.DataFrame, key: str, changes: dict[str, dict]) -> None:
    """Set the given columns of the rows whose ``key`` is in ``changes`` (one row per key)."""
    if not changes:
        return
    keys = df[key].to_numpy(dtype=object)
    at = {keys[i]: i for i in np.flatnonzero(isin(keys, changes))}
    by_column: dict[str, tuple[list[int], list]] = {}   # a column at a time, not a cell
    for k, values in changes.items():
        for column, value in values.items():
            rows, new = by_column.setdefault(column, ([], []))
            rows.append(at[k])
            new.append(value)
    for column, (rows, new) in by_column.items():
        if df[column].dtype != object and not pd.api.types.is_datetime64_any_dtype(
                df[column]) and not pd.api.types.is_integer_dtype(df[column]):
            df[column] = df[column].astype(object)
        if pd.api.types.is_datetime64_any_dtype(df[column]):
            new = pd.to_datetime(pd.Series(new, dtype=object)).to_numpy(df[column].dtype)
        out = df[column].to_numpy(copy=True)
        out[rows] = new
        df[column] = out


BAD_PHONES = ("1381234567", "12345678901", "138001380001", "021-1234")
"""Too short, a mobile prefix that does not exist, too long, a landline without its number."""
GOOD_PHONES = ("+86 138 0013 8000", "021-6234 5678", "0755-86001234")
"""Valid numbers written the way people write them (near misses)."""


def inject_finish(month: DemoMonth, rate: float = RATE) -> None:
    """Everything else, once the legs exist: nothing downstream reads what these change."""
    rng = np.random.default_rng(month.seed + 405)
    t = month.tables
    n = _count(month, rate)
    # the orders other legs' findings are about keep their times: shipping judges by paid_at
    month.reserved.update(r["order_id"] for r in month.truth if r["order_id"])
    orders = t["orders"]
    for column in ("customer_phone", "ship_province", "ship_city", "ship_postcode"):
        orders[column] = orders[column].astype(object)
    free = _Free(month, rng, _inside(month))
    at = pd.Index(orders["order_id"].to_numpy(dtype=object))
    paid = dict(zip(orders["order_id"].to_numpy(dtype=object),
                    orders["paid_amount_fen"].to_numpy(), strict=True))

    def put(oid: str, column: str, value) -> None:
        orders.iloc[at.get_loc(oid), orders.columns.get_loc(column)] = value

    def get(oid: str, column: str):
        return orders.iloc[at.get_loc(oid), orders.columns.get_loc(column)]

    for k, oid in enumerate(free.take(n)):
        put(oid, "customer_phone", BAD_PHONES[k % len(BAD_PHONES)])
        _add(month, "INTAKE_BAD_PHONE", oid, oid, int(paid[oid]), "not a mainland number")
    for k, oid in enumerate(free.take(n)):
        put(oid, "customer_phone", GOOD_PHONES[k % len(GOOD_PHONES)])

    for k, oid in enumerate(free.take(n)):
        if k % 3 == 0:   # a city of another province
            province = get(oid, "ship_province")
            put(oid, "ship_city", "成都市" if province != "四川" else "杭州市")
        else:
            put(oid, "ship_city" if k % 3 == 1 else "ship_province", None)
        _add(month, "INTAKE_BAD_ADDRESS", oid, oid, int(paid[oid]), "no or contradicting city")
    for k, oid in enumerate(free.take(n)):   # written differently, still right
        province = get(oid, "ship_province")
        if k % 2:
            put(oid, "ship_city", str(get(oid, "ship_city")).removesuffix("市"))
        elif province not in ("北京", "上海", "天津", "重庆"):
            put(oid, "ship_province", f"{province}省")

    for k, oid in enumerate(free.take(n)):
        province = get(oid, "ship_province")
        other = "510000" if province != "广东" else "100000"
        put(oid, "ship_postcode", other if k % 2 == 0 else str(get(oid, "ship_postcode"))[:5])
        _add(month, "INTAKE_BAD_POSTCODE", oid, oid, int(paid[oid]), "postcode of elsewhere")

    discount = orders["discount_fen"].to_numpy().copy()
    for k, oid in enumerate(free.take(2 * n)):
        if k % 2 == 0:
            discount[at.get_loc(oid)] += 1000
            _add(month, "INTAKE_TOTAL_MISMATCH", oid, oid, 1000, "discount not in the payment")
        else:   # a cent of rounding: within the tolerance
            discount[at.get_loc(oid)] += 1
    orders["discount_fen"] = discount

    paid_at = orders["paid_at"].copy()
    created_at = orders["created_at"].copy()
    live = _Free(month, rng, _inside(month) & orders["paid_at"].notna().to_numpy()
                 & (orders["status"] != "cancelled").to_numpy())
    for k, oid in enumerate(live.take(2 * n)):
        i = at.get_loc(oid)
        if k % 4 == 0:
            paid_at.iat[i] = pd.NaT
        elif k % 4 == 1:
            created_at.iat[i] = paid_at.iat[i] + int(rng.integers(5, 90)) * MINUTE
        elif k % 4 == 2:   # paid the second it was created
            created_at.iat[i] = paid_at.iat[i]
            continue
        else:
            continue
        _add(month, "INTAKE_PAYMENT_TIME", oid, oid, int(paid[oid]), "payment time")
    orders["paid_at"], orders["created_at"] = paid_at, created_at

    _inactive_skus(month, rng, n)
    _stock(month, rng, n)


def _unknown_skus(month: DemoMonth, rng: np.random.Generator, n: int) -> None:
    """Orders the shop's system let through with a SKU the master does not have: the warehouse
    could not pick them, and they were cancelled before payment (their parcels never left)."""
    t = month.tables
    orders, lines = t["orders"], t["order_lines"]
    taken = _Free(month, rng, _single(month)).take(n)
    chosen = isin(orders["order_id"], taken)
    orders.loc[chosen, "status"] = "cancelled"
    orders.loc[chosen, "cancelled_at"] = orders.loc[chosen, "created_at"] + 30 * MINUTE
    orders.loc[chosen, "paid_at"] = pd.NaT
    gone = t["shipments"].loc[isin(t["shipments"]["order_id"], taken), "shipment_id"]
    t["shipments"] = t["shipments"][~isin(t["shipments"]["order_id"], taken)].reset_index(drop=True)
    t["shipment_lines"] = t["shipment_lines"][~isin(t["shipment_lines"]["shipment_id"], gone)
                                              ].reset_index(drop=True)
    at = np.flatnonzero(isin(lines["order_id"], taken))   # one line each (_single)
    lines["sku"] = lines["sku"].astype(object)
    unknown = [str(s).replace("SY", "SX", 1) for s in lines["sku"].to_numpy()[at]]
    lines.iloc[at, lines.columns.get_loc("sku")] = unknown
    for i, sku in zip(at, unknown, strict=True):
        oid = lines["order_id"].iat[i]
        _add(month, "INTAKE_UNKNOWN_SKU", f"{oid}|{sku}", oid, int(lines["line_amount_fen"].iat[i]),
             "SKU not in the master")


def _period_lines(month: DemoMonth, live: bool) -> pd.DataFrame:
    """Lines of the orders that came in during the period (paid in it, or placed in it when
    never paid), only those not cancelled when ``live``."""
    t = month.tables
    orders = t["orders"]
    start, end = pd.Timestamp(month.period.start_ts), pd.Timestamp(month.period.end_ts)
    came_in = orders["paid_at"].where(orders["paid_at"].notna(), orders["created_at"])
    ok = (came_in >= start) & (came_in < end)
    if live:
        ok &= orders["status"] != "cancelled"
    placed = orders.loc[ok, ["order_id", "created_at"]]
    return t["order_lines"].merge(placed, on="order_id")


def _inactive_skus(month: DemoMonth, rng: np.random.Generator, n: int) -> None:
    """A few SKUs discontinued in the master, the least sold first; every line of the period on
    one is a finding. SKUs whose master row does not say (empty) are near misses."""
    products = month.tables["products"]
    products["active"] = products["active"].astype(object)
    lines = _period_lines(month, live=False)
    known = lines[isin(lines["sku"], products["sku"])]
    sold = known.groupby("sku")["line_no"].count().sort_values(kind="stable")
    inactive = set(products.loc[products["active"].eq(False), "sku"])
    for sku in sold.index:   # the least sold first, until a few lines are on one
        if known["sku"].isin(list(inactive)).sum() >= n:
            break
        inactive.add(sku)
    products.loc[isin(products["sku"], inactive), "active"] = False
    products.loc[products["active"].isna(), "active"] = True
    unsaid = [s for s in sold.index if s not in inactive][:2]
    products.loc[isin(products["sku"], unsaid), "active"] = None
    hit = known[isin(known["sku"], inactive)]
    for (oid, sku), amount in hit.groupby(["order_id", "sku"])["line_amount_fen"].sum().items():
        _add(month, "INTAKE_INACTIVE_SKU", f"{oid}|{sku}", oid, int(amount), "discontinued")


def _stock(month: DemoMonth, rng: np.random.Generator, n: int) -> None:
    """Make the month's closing snapshot agree with its orders and movements (no order asked for
    more than was on hand, as the SQL reckons it: the snapshot less the movements since the
    order), then make a few SKUs one unit short for their tightest order (findings); SKUs whose
    tightest order took exactly what was on hand are the near misses."""
    t = month.tables
    snap = t["inventory_snapshots"]
    day = pd.Timestamp(snap["snapshot_date"].max())
    horizon = day + pd.Timedelta(days=1)
    lines = _period_lines(month, live=True)
    lines = lines[isin(lines["sku"], snap["sku"])]
    wanted = (lines.groupby(["order_id", "sku"])
              .agg(qty=("qty", "sum"), unit_price_fen=("unit_price_fen", "max"),
                   created_at=("created_at", "first")).reset_index())
    moves = t["inventory_movements"]
    signed = np.where(moves["movement_type"] == "outbound", -moves["qty"], moves["qty"])
    moves = pd.DataFrame({"sku": moves["sku"].to_numpy(), "posted_at": moves["posted_at"],
                          "net": signed})
    moves = moves[moves["posted_at"] < horizon].sort_values(["sku", "posted_at"], kind="stable")
    on_hand = snap.groupby("sku")["on_hand"].sum()
    moves_of = {sku: m for sku, m in moves.groupby("sku")}
    empty = moves.iloc[:0]
    slack = np.zeros(len(wanted), dtype=np.int64)
    for sku, rows in wanted.groupby("sku").groups.items():
        m = moves_of.get(sku, empty)
        after = np.concatenate([np.cumsum(m["net"].to_numpy()[::-1])[::-1], [0]])
        created = wanted.loc[rows, "created_at"].to_numpy()
        first_after = np.searchsorted(m["posted_at"].to_numpy(), created, side="right")
        slack[wanted.index.get_indexer(rows)] = (on_hand[sku] - after[first_after]
                                                 - wanted.loc[rows, "qty"].to_numpy())
    wanted["slack"] = slack
    tightest = wanted.groupby("sku")["slack"].min()
    change = (-tightest.clip(upper=0)).astype(np.int64)        # raise where an order was short
    candidates = [s for s in rng.permutation(tightest.index.to_numpy())
                  if on_hand[s] + change[s] - (tightest[s] + change[s] + 1) >= 0]
    short = candidates[:n]
    for sku in short:
        change[sku] -= tightest[sku] + change[sku] + 1
        hit = wanted[(wanted["sku"] == sku) & (wanted["slack"] == tightest[sku])]
        for row in hit.itertuples(index=False):
            _add(month, "INTAKE_OVER_STOCK", f"{row.order_id}|{sku}", row.order_id,
                 int(row.unit_price_fen), "one unit short at order time")
    for sku, delta in change[change != 0].items():
        rows = snap.index[snap["sku"] == sku]
        if delta > 0:
            snap.loc[rows[0], "on_hand"] += delta
            continue
        for row in rows:   # take it from the warehouses that hold it
            take = min(-delta, int(snap.at[row, "on_hand"]))
            snap.at[row, "on_hand"] -= take
            delta += take
