"""The demo's courier contracts and bills, and the freight discrepancies injected into them.

Prices are computed in integer fen and grams with the same rules as
``sql/freight_parcels.sql``: chargeable weight = max(actual, L x W x H / divisor) rounded up to
the card's step, first weight plus additional steps, the contract discount rounded half up.
Volume rebates follow ``sql/freight_rebates.sql``: the month's parcels and billed freight, the
highest tier reached, its rate times the freight rounded half up.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from recon_lib import schema
from recon_lib.demo import world
from recon_lib.demo.columns import isin, positions
from recon_lib.demo.generator import DemoMonth

REMOTE_ZONE = 3
# carrier -> zone -> (first-weight price, price per additional step) in fen. Every courier prices
# every province, and the cheapest differs by zone (YTO near and remote, ZTO in zone 2), so the
# carrier choice (docs/carrier-choice.md) has real choices to make.
PRICES = {
    "SF": {1: (1200, 100), 2: (1400, 250), 3: (2200, 600)},
    "ZTO": {1: (450, 100), 2: (550, 300), 3: (1000, 800)},
    "YTO": {1: (430, 100), 2: (580, 300), 3: (950, 800)},   # dearer than ZTO in zone 2 only
    "JDL": {1: (800, 200), 2: (1000, 400), 3: (1800, 1000)},
}
# carrier -> (service, additional step g, rounding step g, threshold g, step above g, divisor,
#             discount)
TERMS = {
    "SF": ("express", 500, 500, 10_000, 1000, 6000, 0.10),
    "ZTO": ("standard", 1000, 1000, None, None, 8000, 0.0),
    "YTO": ("standard", 1000, 1000, None, None, 8000, 0.0),
    "JDL": ("standard", 1000, 1000, None, None, 8000, 0.05),
}
SURCHARGES = [  # carrier, surcharge, basis, rate, min fen, applies above g
    *[(c, "remote", "fixed", 10.0, None, None) for c in TERMS],
    *[(c, "insurance", "share_of_declared", 0.005, 100, None) for c in TERMS],
    *[(c, "upstairs", "fixed", 20.0, None, 20_000) for c in ("ZTO", "JDL")],
]
RETURN_FEE_FEN = 1200
# carrier -> (basis, product, tiers as (share of the month's volume or "exact"/"above", rate),
#             what the courier credits, which bill carries it: 0 the month's own (当月), 1 the
#             next month's (次月)). Tiers are set from the month's own volume, so that:
#   SF  reaches tier 2 but is credited tier 1's rate: FRT_REBATE_SHORT
#   ZTO is exactly at tier 2's threshold (reached) and credited tier 1's rate on the next month's
#       bill: FRT_REBATE_SHORT in the next month's answer key, none in the month's own
#   YTO is one cent of freight below tier 1 and credited nothing, which is correct: a near miss
#   JDL reaches tier 1 and nothing is credited: FRT_REBATE_SHORT
REBATES = {
    "SF": ("parcels", "express", ((0.5, 0.02), (0.8, 0.03)), "lower_tier", 0),
    "ZTO": ("parcels", None, ((0.5, 0.015), ("exact", 0.025)), "lower_tier", 1),
    "YTO": ("freight", None, (("above", 0.02), (1.5, 0.03)), "correct", 0),
    "JDL": ("parcels", None, ((0.5, 0.01), (2.0, 0.02)), "none", 0),
}


def rate_cards(month: DemoMonth) -> pd.DataFrame:
    rows = []
    since = month.period.start.replace(month=1, day=1)
    for carrier, zones in PRICES.items():
        service, add_g, unit_g, threshold_g, above_g, divisor, discount = TERMS[carrier]
        for province, (_, zone) in world.PROVINCES.items():
            first, extra = zones[zone]
            rows.append({
                "carrier": carrier, "service": service, "dest_province": province,
                "first_weight_kg": 1.0, "first_price_fen": first,
                "additional_unit_kg": add_g / 1000, "additional_price_fen": extra,
                "rounding_unit_kg": unit_g / 1000,
                "rounding_threshold_kg": None if threshold_g is None else threshold_g / 1000,
                "rounding_unit_above_kg": None if above_g is None else above_g / 1000,
                "volumetric_divisor": divisor, "discount_rate": discount,
                "remote": zone == REMOTE_ZONE, "effective_from": since, "effective_to": None,
            })
    return pd.DataFrame(rows)


def surcharges(month: DemoMonth) -> pd.DataFrame:
    since = month.period.start.replace(month=1, day=1)
    return pd.DataFrame([
        {"carrier": c, "surcharge": s, "basis": b, "rate": r,
         "min_amount_fen": m, "applies_above_kg": None if a is None else a / 1000,
         "effective_from": since, "effective_to": None}
        for c, s, b, r, m, a in SURCHARGES
    ])


def _zone(province) -> np.ndarray:
    return pd.Series(province).map({p: z for p, (_, z) in world.PROVINCES.items()}).to_numpy()


def price(carrier, province, weight_g, dims_cm3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chargeable grams, fee and discount (both fen, discount <= 0) per parcel."""
    carrier = np.asarray(carrier, dtype=object)
    zone = _zone(province)
    n = len(carrier)
    charge_g = np.zeros(n, dtype=np.int64)
    fee = np.zeros(n, dtype=np.int64)
    disc = np.zeros(n, dtype=np.int64)
    weight_g = np.asarray(weight_g, dtype=np.int64)
    dims = np.asarray(dims_cm3, dtype=np.int64)
    for c, (_, add_g, unit_g, threshold_g, above_g, divisor, discount) in TERMS.items():
        sel = carrier == c
        raw = np.maximum(weight_g[sel] * divisor, dims[sel] * 1000)  # grams x divisor
        unit = np.full(sel.sum(), unit_g, dtype=np.int64)
        if threshold_g is not None:
            unit = np.where(raw <= threshold_g * divisor, unit_g, above_g)
        cg = -(-raw // (unit * divisor)) * unit
        first = np.array([PRICES[c][z][0] for z in zone[sel]], dtype=np.int64)
        extra = np.array([PRICES[c][z][1] for z in zone[sel]], dtype=np.int64)
        steps = np.maximum(0, -(-(cg - 1000) // add_g))
        f = first + steps * extra
        charge_g[sel], fee[sel] = cg, f
        disc[sel] = -np.floor(f * discount + 0.5).astype(np.int64)
    return charge_g, fee, disc


def _dims(ships: pd.DataFrame) -> np.ndarray:
    return (ships["length_cm"] * ships["width_cm"] * ships["height_cm"]).round().astype(np.int64)


def bills(rng: np.random.Generator, month: DemoMonth) -> pd.DataFrame:
    """What the couriers bill: freight, remote and insurance lines, and return parcels."""
    ships = month.tables["shipments"]
    charge_g, fee, disc = price(ships["carrier"], ships["dest_province"], ships["weight_g"],
                                _dims(ships))
    base = {"carrier": ships["carrier"].to_numpy(), "waybill_no": ships["tracking_no"].to_numpy(),
            "bill_date": ships["ship_time"].dt.date.to_numpy(),
            "dest_province": ships["dest_province"].to_numpy()}
    freight = pd.DataFrame({**base, "fee_type": "freight", "billed_weight_kg": charge_g / 1000,
                            "amount_fen": fee, "discount_fen": disc, "payable_fen": fee + disc})
    remote = _zone(ships["dest_province"]) == REMOTE_ZONE
    remote_lines = pd.DataFrame({k: v[remote] for k, v in base.items()}).assign(
        fee_type="remote", billed_weight_kg=np.nan, amount_fen=1000, discount_fen=0,
        payable_fen=1000)
    insured = (ships["declared_value_fen"] > 0).to_numpy()
    ins_fee = np.maximum(100, np.floor(ships["declared_value_fen"].to_numpy()[insured] * 0.005
                                       + 0.5).astype(np.int64))
    insurance = pd.DataFrame({k: v[insured] for k, v in base.items()}).assign(
        fee_type="insurance", billed_weight_kg=np.nan, amount_fen=ins_fee, discount_fen=0,
        payable_fen=ins_fee)
    heavy = ((ships["weight_g"] > 20_000) & ships["carrier"].isin(["ZTO", "JDL"])).to_numpy()
    upstairs = pd.DataFrame({k: v[heavy] for k, v in base.items()}).assign(
        fee_type="upstairs", billed_weight_kg=np.nan, amount_fen=2000, discount_fen=0,
        payable_fen=2000)
    returns = _return_lines(rng, month)
    out = pd.concat([freight, remote_lines, insurance, upstairs, returns], ignore_index=True)
    return out.sort_values(["carrier", "bill_date", "waybill_no", "fee_type"],
                           kind="stable").reset_index(drop=True)


def _return_lines(rng, month: DemoMonth) -> pd.DataFrame:
    """Return freight: one line per return parcel the courier picked up."""
    req = month.tables.get("return_requests")
    if req is None or req.empty or "picked_up_at" not in req:
        return pd.DataFrame()
    picked = req[req["picked_up_at"].notna()]
    return pd.DataFrame({
        "carrier": picked["return_carrier"].to_numpy(),
        "waybill_no": picked["return_tracking_no"].to_numpy(),
        "bill_date": pd.to_datetime(picked["picked_up_at"]).dt.date.to_numpy(),
        "fee_type": "return", "dest_province": None, "billed_weight_kg": np.nan,
        "amount_fen": RETURN_FEE_FEN, "discount_fen": 0, "payable_fen": RETURN_FEE_FEN,
    })


def inject_freight(month: DemoMonth, rate: float = 0.0025) -> None:
    """Freight discrepancies in the couriers' bills, each with an answer-key row, and near misses.

    Each loop draws its random numbers waybill by waybill, as it always has; the bill lines it
    changes are priced and written together at the end of the loop."""
    rng = np.random.default_rng(month.seed + 404)
    t = month.tables
    lines = t["courier_bill_lines"]
    ships = t["shipments"].set_index("tracking_no")
    n = max(3, round(len(t["orders"]) * rate))

    def add(code, key, amount_fen, note):
        month.truth.append({"recon": "freight", "reason_code": code, "key": key,
                            "order_id": None, "amount": amount_fen / 100, "note": note})

    # parcels with a single freight line and no surcharge: each carries one anomaly at most
    fee_types = lines.groupby("waybill_no")["fee_type"]
    size, first_fee = fee_types.size(), fee_types.first()
    plain = size.index[((size == 1) & (first_fee == "freight")).to_numpy()]
    plain = plain[isin(plain, ships.index)]
    free = list(rng.permutation(plain.to_numpy(dtype=object)))
    first_line = pd.Series(lines.index, index=lines["waybill_no"]).groupby(level=0).first()
    idx_of = dict(zip(first_line.index.to_numpy(dtype=object), first_line.to_numpy(),
                      strict=True))
    ship_columns: dict[str, np.ndarray] = {}
    extra_rows: list[dict] = []
    drop: list[int] = []

    def take(k):
        return [free.pop() for _ in range(min(k, len(free)))]

    def ship_values(ws, column) -> np.ndarray:   # of each waybill's (first) parcel
        if column not in ship_columns:
            ship_columns[column] = ships[column].to_numpy()
        return ship_columns[column][positions(ships.index, np.asarray(ws, dtype=object))]

    def line_values(ws, column) -> np.ndarray:
        return lines.loc[[idx_of[w] for w in ws], column].to_numpy()

    def set_lines(ws, **columns) -> None:
        at = [idx_of[w] for w in ws]
        for column, values in columns.items():
            if at:
                lines.loc[at, column] = pd.array(values, dtype=lines[column].dtype)

    for w in take(n):  # the same freight charge billed twice
        row = lines.loc[idx_of[w]].to_dict()
        extra_rows.append(row)
        add("FRT_DUPLICATE", f"{w}|freight", int(row["payable_fen"]), "billed twice")
    # shipped, never billed: an accrual, judged once the bill is due; a parcel that leaves in the
    # month's last bill_grace_days may be billed next month, so it is not one of them
    grace_starts = pd.Timestamp(month.period.end_ts) - pd.Timedelta(
        days=month.settings.bill_grace_days)
    newest_first = np.array(free[::-1], dtype=object)
    shipped = ship_values(newest_first, "ship_time")
    due_now = list(newest_first[shipped < np.datetime64(grace_starts)][:n])
    # near misses: parcels of the month's last evening that the courier bills next month; not
    # yet due this month (see docs/periods.md), so not "unbilled"
    billed_later = list(newest_first[shipped >= np.datetime64(grace_starts)][:n])
    taken = set(due_now) | set(billed_later)
    free = [w for w in free if w not in taken]
    for w in due_now:
        i = idx_of[w]
        drop.append(i)
        add("FRT_UNBILLED", w, int(lines.at[i, "payable_fen"]), "not on the bill")
    later = lines.loc[[idx_of[w] for w in billed_later]].copy()
    later["bill_date"] = month.period.end
    later["service"] = later["waybill_no"].map(ships["service"])
    month.carry.next_bill = later.reset_index(drop=True)
    drop += [idx_of[w] for w in billed_later]

    heavier = take(n)  # heavier than we weighed
    steps = [int(rng.integers(1, 4)) for _ in heavier]
    carrier = ship_values(heavier, "carrier")
    billed_g = np.round(line_values(heavier, "billed_weight_kg").astype(float) * 1000)
    heavier_g = billed_g.astype(np.int64) + np.where(carrier == "SF", 500, 1000) * np.asarray(
        steps, dtype=np.int64)
    # what the courier claims is itself a chargeable weight under the contract's rounding
    claimed, fee, disc = price(carrier, ship_values(heavier, "dest_province"), heavier_g,
                               np.zeros(len(heavier), dtype=np.int64))
    over = fee + disc - line_values(heavier, "payable_fen").astype(np.int64)
    set_lines(heavier, billed_weight_kg=claimed / 1000, amount_fen=fee, discount_fen=disc,
              payable_fen=fee + disc)
    for w, g, o in zip(heavier, claimed, over, strict=True):
        add("FRT_WEIGHT_OVER", w, int(o), f"billed {int(g) / 1000} kg")

    pricier = take(n)  # a price above the contract for what was claimed
    excess = np.array([int(rng.integers(1, 6)) * 100 for _ in pricier], dtype=np.int64)
    set_lines(pricier, amount_fen=line_values(pricier, "amount_fen") + excess,
              payable_fen=line_values(pricier, "payable_fen") + excess)
    for w, e in zip(pricier, excess, strict=True):
        add("FRT_RATE_OVER", w, int(e), "fee above the rate card")

    mid = sorted(p for p, (_, z) in world.PROVINCES.items() if z == 2)
    zone = _zone(ship_values(np.array(free, dtype=object), "dest_province"))
    near = list(np.array(free, dtype=object)[zone == 1][:n])
    gone = set(near)
    free = [w for w in free if w not in gone]
    # billed to a farther zone than the parcel went
    claimed_zone = [mid[int(rng.integers(0, len(mid)))] for _ in near]
    weight_g = np.round(line_values(near, "billed_weight_kg").astype(float) * 1000).astype(
        np.int64)
    _, fee, disc = price(ship_values(near, "carrier"), claimed_zone, weight_g,
                         np.zeros(len(near), dtype=np.int64))
    over = fee + disc - line_values(near, "payable_fen").astype(np.int64)
    went = ship_values(near, "dest_province")
    set_lines(near, dest_province=claimed_zone, amount_fen=fee, discount_fen=disc,
              payable_fen=fee + disc)
    for w, claimed, o, to in zip(near, claimed_zone, over, went, strict=True):
        add("FRT_ZONE_MISMATCH", w, int(o), f"billed to {claimed}, went to {to}")

    for w in take(n):  # a remote-area surcharge for a parcel that did not go to a remote area
        row = lines.loc[idx_of[w]].to_dict()
        row.update(fee_type="remote", billed_weight_kg=np.nan, amount_fen=1000, discount_fen=0,
                   payable_fen=1000)
        extra_rows.append(row)
        add("FRT_INVALID_SURCHARGE", f"{w}|remote", 1000, "not a remote province")
    for i in range(n):  # billed waybills that are not ours
        carrier = list(world.CARRIERS)[i % 4]
        extra_rows.append({
            "carrier": carrier, "waybill_no": f"{carrier}9{month.period.start:%y%m}{i:07d}",
            "bill_date": month.period.start + pd.Timedelta(days=int(rng.integers(0, 27))),
            "fee_type": "freight", "dest_province": "广东", "billed_weight_kg": 1.0,
            "amount_fen": 1200, "discount_fen": 0, "payable_fen": 1200})
        add("FRT_PHANTOM", f"{carrier}9{month.period.start:%y%m}{i:07d}", 1200, "not our parcel")
    for i in range(n):  # return freight with no return request behind it
        waybill = f"RX{month.period.start:%y%m}{i:08d}"
        extra_rows.append({
            "carrier": "SF", "waybill_no": waybill,
            "bill_date": month.period.start + pd.Timedelta(days=int(rng.integers(0, 27))),
            "fee_type": "return", "dest_province": None, "billed_weight_kg": np.nan,
            "amount_fen": RETURN_FEE_FEN, "discount_fen": 0, "payable_fen": RETURN_FEE_FEN})
        add("FRT_RETURN_NO_REQUEST", waybill, RETURN_FEE_FEN, "no return request")

    # near misses: the full province name (广东省), and a cent of rounding in the courier's favour
    full = take(n)
    set_lines(full, dest_province=[world.FULL_NAMES[p]
                                   for p in line_values(full, "dest_province")])
    cent = take(n)
    set_lines(cent, amount_fen=line_values(cent, "amount_fen") + 1,
              payable_fen=line_values(cent, "payable_fen") + 1)

    kept = lines.drop(index=drop)
    t["courier_bill_lines"] = pd.concat([kept, pd.DataFrame(extra_rows)], ignore_index=True)
    inject_rebates(month)


def _nice(volume: float) -> int:
    """A threshold as a contract writes it: the volume rounded down to two significant digits."""
    whole = max(1, int(volume))
    step = 10 ** max(0, len(str(whole)) - 2)
    return whole // step * step


def _volume(month: DemoMonth) -> pd.DataFrame:
    """Per carrier and product: our parcels on the month's bills and their freight (fen), one
    freight line per waybill, as ``sql/freight_rebates.sql`` counts them."""
    t = month.tables
    lines = t["courier_bill_lines"]
    day = pd.to_datetime(lines["bill_date"])
    service = t["shipments"].drop_duplicates("tracking_no").set_index("tracking_no")["service"]
    if month.earlier.next_bill is not None:  # last month's parcels billed now are ours too
        service = pd.concat([service, month.earlier.next_bill.set_index("waybill_no")["service"]])
    ours = lines[(lines["fee_type"] == "freight")
                 & (day >= pd.Timestamp(month.period.start_ts))
                 & (day < pd.Timestamp(month.period.end_ts))
                 & isin(lines["waybill_no"], service.index)]
    ours = ours.drop_duplicates(["carrier", "waybill_no"])
    return ours.assign(service=ours["waybill_no"].map(service))


def _due_fen(freight_fen: int, rate: float) -> int:
    """The rate's share of the freight, rounded half up to the fen (rates in millionths)."""
    return (freight_fen * round(rate * 1_000_000) + 500_000) // 1_000_000


def inject_rebates(month: DemoMonth) -> None:
    """The month's rebate schemes, the credit lines on the bills, and the shortfalls' answer key.

    Each scheme runs for the demo month only (its tiers come from the month's volume), so a
    history of demo months keeps one scheme per month. A 次月 scheme's credit is on the next
    month's bill: this month's is handed on in the carry, and the bill carries the previous
    month's credit (none in a history's first month, whose scheme starts on its first day), with
    its shortfall in this month's answer key, since this month's run judges it.
    """
    t = month.tables
    volume = _volume(month)
    start, last_day = month.period.start, month.period.last_day
    tolerance_fen = round(month.settings.amount_abs_tolerance * 100)
    schemes = []
    owed = list(month.earlier.rebates)   # the previous month's 次月 credits: on this bill
    for carrier, (basis, service, tiers, credit, lag) in REBATES.items():
        mine = volume[(volume["carrier"] == carrier)
                      & ((volume["service"] == service) if service else True)]
        parcels, freight_fen = len(mine), int(mine["payable_fen"].sum())
        measured = parcels if basis == "parcels" else freight_fen
        thresholds = []  # parcels, or fen of freight
        for share, _ in tiers:
            if share == "exact":
                at = measured
            elif share == "above":
                at = measured + 1
            else:
                at = _nice(measured * share)
            thresholds.append(max(at, thresholds[-1] + 1) if thresholds else at)
        rates = [rate for _, rate in tiers]
        reached = [i for i, at in enumerate(thresholds) if measured >= at]
        due = _due_fen(freight_fen, rates[reached[-1]]) if reached else 0
        credited = {"correct": due, "none": 0,
                    "lower_tier": _due_fen(freight_fen, rates[0]) if reached else 0}[credit]
        row = {"carrier": carrier, "service": service, "basis": basis, "credit_lag_months": lag,
               "effective_from": start, "effective_to": last_day}
        for n, (at, rate) in enumerate(zip(thresholds, rates, strict=True), start=1):
            row[f"tier{n}_from"] = at if basis == "parcels" else Decimal(at).scaleb(-2)
            row[f"tier{n}_rate"] = rate
        schemes.append(row)
        rebate = {"carrier": carrier, "month": start, "due_fen": due, "credited_fen": credited,
                  "note": "nothing credited" if not credited else "credited the lower tier"}
        if lag:
            month.carry.rebates.append(rebate)
        else:
            owed.append(rebate)
    credits = []
    for rebate in owed:
        carrier, cycle, credited = rebate["carrier"], rebate["month"], rebate["credited_fen"]
        if credited:
            credits.append({
                "carrier": carrier, "waybill_no": f"REBATE-{carrier}-{cycle:%Y%m}",
                "bill_date": last_day, "fee_type": "rebate", "dest_province": None,
                "billed_weight_kg": np.nan, "amount_fen": -credited, "discount_fen": 0,
                "payable_fen": -credited})
        if rebate["due_fen"] - credited > tolerance_fen:
            month.truth.append({
                "recon": "freight", "reason_code": "FRT_REBATE_SHORT",
                "key": f"{carrier}|{cycle:%Y-%m}", "order_id": None,
                "amount": (rebate["due_fen"] - credited) / 100,
                "note": rebate["note"] + ("" if cycle == start else f" on the {start:%Y-%m} bill")})
    columns = schema.TABLES["rate_card_rebates"].column_names
    t["rate_card_rebates"] = pd.DataFrame(schemes).reindex(columns=columns).astype(object)
    t["courier_bill_lines"] = pd.concat([t["courier_bill_lines"], pd.DataFrame(credits)],
                                        ignore_index=True)
