"""The demo month: deterministic, every shipping reason injected, near misses present."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from recon_lib import config
from recon_lib.demo import build_month, write_demo
from recon_lib.demo.build import GROWTH, SEASON, history_sizes
from recon_lib.demo.generator import HOUR
from recon_lib.errors import InputError
from recon_lib.periods import parse_period
from recon_lib.reasons import REASONS, codes_for

OCT = parse_period("2026-10")


@pytest.fixture(scope="module")
def month():
    return build_month(OCT, orders=2000, seed=3)


def _digest(folder):
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):   # workbooks too
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    (a,) = write_demo(OCT, tmp_path / "a", orders=300, seed=1)
    (b,) = write_demo(OCT, tmp_path / "b", orders=300, seed=1)
    (c,) = write_demo(OCT, tmp_path / "c", orders=300, seed=2)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert (a / config.TRUTH_DIRNAME / "anomalies.csv").exists()


def test_existing_folder_is_not_overwritten_without_force(tmp_path):
    write_demo(OCT, tmp_path, orders=200, seed=1)
    (tmp_path / "2026-10" / "mine.csv").write_text("keep me")
    with pytest.raises(InputError, match="--force"):
        write_demo(OCT, tmp_path, orders=200, seed=1)
    assert (tmp_path / "2026-10" / "mine.csv").exists()
    write_demo(OCT, tmp_path, orders=200, seed=1, force=True)
    assert not (tmp_path / "2026-10" / "mine.csv").exists()


def test_every_reason_is_injected_and_shipping_ones_on_distinct_orders(month):
    truth = pd.DataFrame(month.truth)
    assert set(truth["reason_code"]) == set(REASONS) - {"PAY_MATCH_UNRESOLVED"}
    assert truth.groupby("reason_code").size().min() >= 1
    shipping = truth[truth["reason_code"].isin(codes_for("shipping"))]
    per_order = shipping.dropna(subset=["order_id"]).groupby("order_id")["reason_code"].count()
    assert per_order.max() == 1
    assert not truth.duplicated(["reason_code", "key"]).any()


def test_near_misses_are_present(month):
    t = month.tables
    ships, orders = t["shipments"], t["orders"].set_index("order_id")
    parcels = ships.groupby("order_id")["shipment_id"].count()
    assert (parcels == 2).sum() > 10, "legitimate split shipments"
    sla = month.settings.ship_sla_hours * HOUR
    last = ships.groupby("order_id")["ship_time"].max()
    deadline = orders["paid_at"].reindex(last.index) + sla
    margin = (deadline - last).dt.total_seconds()
    assert ((margin > 0) & (margin < 3600)).sum() >= 3, "parcels shipped just inside the SLA"
    cancelled_after = orders["cancelled_at"].reindex(last.index) > ships.groupby("order_id")[
        "ship_time"].min()
    assert cancelled_after.sum() >= 3, "cancellations after the parcel left"
    end = pd.Timestamp(OCT.end_ts)
    not_due = orders[(orders["paid_at"] + sla >= end) & ~orders.index.isin(ships["order_id"])]
    assert len(not_due) > 0, "orders paid at the month's end, not yet due"


def test_money_is_consistent(month):
    o = month.tables["orders"]
    off = o["paid_amount_fen"] - (o["goods_amount_fen"] + o["shipping_fee_fen"] - o["discount_fen"])
    # except the orders the intake injection broke on purpose, and a cent of rounding beside them
    broken = o["order_id"].isin({r["key"] for r in month.truth
                                 if r["reason_code"] == "INTAKE_TOTAL_MISMATCH"}).to_numpy()
    assert (off[~broken].abs() <= 1).all() and (off[broken] != 0).all()
    assert (off.abs() == 1).sum() >= 3, "near misses: a cent of rounding"
    lines = month.tables["order_lines"].groupby("order_id")["line_amount_fen"].sum()
    assert (lines.reindex(o["order_id"]).to_numpy() == o["goods_amount_fen"].to_numpy()).all()


def test_outbound_near_misses_are_present(month):
    moves = month.tables["inventory_movements"]
    ships = month.tables["shipments"].set_index("shipment_id")
    out = moves[moves["movement_type"] == "outbound"]
    per_line = out.groupby(["reference", "sku"])["movement_id"].count()
    assert (per_line == 2).sum() >= 3, "a shipment line deducted in two movements"
    gap = (out["posted_at"] - ships["ship_time"].reindex(out["reference"]).to_numpy())
    hours = gap.dt.total_seconds() / 3600
    assert ((hours > 6) & (hours < 24)).sum() >= 3, "posted the next morning, inside the window"


def test_history_has_seasons_growth_and_a_shock():
    sizes = dict((p.label, n) for p, n in history_sizes(OCT, 12, 10_000, seed=1))
    assert list(sizes)[0] == "2025-11" and list(sizes)[-1] == "2026-10"
    assert sizes["2026-10"] == 10_000
    assert sizes["2025-11"] > sizes["2026-09"] > sizes["2026-02"]   # Double 11 > normal > CNY
    # against season x growth alone, every month is on target but one: the shock, 25% down
    ratios = [n / (10_000 * SEASON[p.start.month] / SEASON[10] * (1 + GROWTH) ** (i - 11))
              for i, (p, n) in enumerate(history_sizes(OCT, 12, 10_000, seed=1))]
    assert sorted(round(r, 2) for r in ratios) == [0.75] + [1.0] * 11


def test_months_writes_consecutive_folders(tmp_path):
    folders = write_demo(OCT, tmp_path, orders=150, seed=1, months=3)
    assert [f.name for f in folders] == ["2026-08", "2026-09", "2026-10"]
    assert all((f / config.TRUTH_DIRNAME / "anomalies.csv").exists() for f in folders)


def test_most_quality_complaints_and_low_reviews_name_a_sku_of_their_order(month):
    t = month.tables["service_tickets"]
    low = (t["category"] == "review") & (pd.to_numeric(t["score"]) <= 2)
    complaints = t[(t["category"] == "quality") | low]
    named = complaints.dropna(subset=["sku"])
    assert 0.6 * len(complaints) <= len(named) < len(complaints), "both paths of the worst list"
    lines = set(month.tables["order_lines"][["order_id", "sku"]].itertuples(index=False, name=None))
    assert all(pair in lines for pair in zip(named["order_id"], named["sku"], strict=True))
    assert t.loc[~t.index.isin(complaints.index), "sku"].isna().all()
