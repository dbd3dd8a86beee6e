"""Customer satisfaction, review scores and the worst lists on a hand-made month."""

from __future__ import annotations

import pandas as pd
import pytest

from recon_lib import analytics
from tests.conftest import insert

P = "2026-10"


def order(oid, channel, paid, cancelled=None, status="completed"):
    return {"order_id": oid, "channel": channel, "status": status, "created_at": paid,
            "paid_at": paid, "cancelled_at": cancelled, "currency": "CNY", "paid_amount": 10}


def ticket(tid, channel, category, opened, order_id=None, score=None, resolved=None,
           reopened=None, sku=None):
    return {"ticket_id": tid, "order_id": order_id, "channel": channel, "category": category,
            "score": score, "opened_at": opened, "resolved_at": resolved, "reopened": reopened,
            "sku": sku}


@pytest.fixture
def month(db):
    insert(db, "products", [{"sku": "S1", "category": "kitchen"},
                            {"sku": "S2", "category": "bath"},
                            {"sku": "S3", "category": "kitchen"},
                            {"sku": "S4", "category": "bath"}])
    insert(db, "orders", [
        order("M1", "tmall", "2026-10-01 10:00:00"),
        order("M2", "tmall", "2026-10-02 10:00:00"),
        order("M3", "tmall", "2026-10-03 10:00:00"),
        order("M4", "tmall", "2026-10-04 10:00:00"),
        order("M5", "jd", "2026-10-05 10:00:00"),
        order("M6", "tmall", "2026-10-06 10:00:00", cancelled="2026-10-10 10:00:00",
              status="cancelled"),
        order("M7", "tmall", "2026-09-20 10:00:00"),
        order("M8", "tmall", "2026-11-03 10:00:00"),
    ])
    insert(db, "order_lines", [
        {"order_id": o, "line_no": n, "sku": s, "qty": q}
        for o, n, s, q in [("M1", 1, "S1", 10), ("M2", 1, "S1", 5), ("M2", 2, "S2", 20),
                           ("M3", 1, "S2", 30), ("M3", 2, "S4", 1), ("M4", 1, "S3", 40),
                           ("M5", 1, "S3", 2),
                           ("M6", 1, "S1", 100), ("M7", 1, "S1", 1), ("M8", 1, "S1", 1)]
    ])
    insert(db, "service_tickets", [
        ticket("K1", "tmall", "quality", "2026-10-05 10:00:00", "M1",
               resolved="2026-10-05 20:00:00", reopened=False),                     # 10 h
        ticket("K2", "tmall", "review", "2026-10-06 10:00:00", "M2", score=1),
        ticket("K3", "tmall", "review", "2026-10-06 11:00:00", "M3", score=4),
        ticket("K4", "tmall", "review", "2026-10-06 12:00:00", "M1", score=5),
        ticket("K5", "tmall", "delivery", "2026-10-07 00:00:00", "M2",
               resolved="2026-10-09 00:00:00", reopened=True),                      # 48 h
        ticket("K6", "jd", "service", "2026-10-08 00:00:00", "M5"),                 # still open
        ticket("K7", "jd", "review", "2026-10-08 10:00:00", "M5", score=2),
        ticket("K8", "tmall", "quality", "2026-09-30 10:00:00", "M7"),              # September
        ticket("K9", "tmall", "other", "2026-10-20 00:00:00",
               resolved="2026-10-20 06:00:00"),                                     # 6 h
        ticket("K10", "tmall", "review", "2026-10-21 00:00:00", score=3),           # no order
    ])
    insert(db, "shipments", [
        {"shipment_id": s, "order_id": o, "tracking_no": s, "carrier": c, "warehouse": "W1",
         "ship_time": at, "dest_province": pv}
        for s, o, c, at, pv in [("H1", "M1", "SF", "2026-10-02 10:00:00", "广东"),
                                ("H2", "M2", "SF", "2026-10-03 10:00:00", "浙江"),
                                ("H3", "M5", "ZTO", "2026-10-06 10:00:00", "广东"),
                                ("H4", "M3", "ZTO", "2026-10-30 10:00:00", "广东"),
                                ("H8", "M8", "SF", "2026-11-04 10:00:00", "广东")]
    ])
    insert(db, "tracking_events", [
        {"tracking_no": t, "carrier": "SF", "event_type": kind, "event_time": at,
         "promised_date": promised}
        for t, kind, at, promised in [("H1", "delivered", "2026-10-04 10:00:00", "2026-10-05"),
                                      ("H2", "delivered", "2026-10-08 10:00:00", "2026-10-06"),
                                      ("H3", "delivered", "2026-10-10 10:00:00", "2026-10-10"),
                                      ("H4", "pickup", "2026-10-30 12:00:00", "2026-11-02"),
                                      ("H8", "pickup", "2026-11-04 12:00:00", "2026-11-07")]
    ])
    return db


COLUMNS = ["orders", "quality_tickets", "low_reviews", "quality_per_1000", "reviews",
           "avg_review_score", "complaints", "complaints_per_1000", "delivered_judged",
           "delivered_on_time", "on_time_rate", "resolved", "median_resolution_hours",
           "p90_resolution_hours", "within_sla_share", "reopen_rate"]


def _rows(df):
    return {r["channel"]: [None if pd.isna(r[c]) else float(r[c]) for c in COLUMNS]
            for _, r in df.iterrows()}


def _check(got, expected):
    for column, g, e in zip(COLUMNS, got, expected, strict=True):
        if e is None:
            assert g is None, column
        else:
            assert g == pytest.approx(e), column


def test_satisfaction_per_channel(month):
    df = analytics.satisfaction(month, P)          # SLA 24 h
    assert list(df["channel"]) == ["all", "jd", "tmall"]
    rows = _rows(df)
    # tmall: orders M1-M4 (M6 cancelled, M7 September); quality K1 + low review K2 -> 2 / 4;
    # reviews 1 4 5 3; complaints K1 K5 K9; H1 on time, H2 late, H4 not delivered;
    # resolution 10, 48, 6 h -> median 10, p90 10 + .8 x 38; within 24 h: K1, K9; reopened K5
    _check(rows["tmall"], [4, 1, 1, 500, 4, 3.25, 3, 750, 2, 1, 0.5,
                           3, 10, 40.4, 2 / 3, 1 / 3])
    # jd: K6 is still open: in the SLA denominator, no resolution time
    _check(rows["jd"], [1, 0, 1, 1000, 1, 2.0, 1, 1000, 1, 1, 1.0,
                        0, None, None, 0.0, 0.0])
    _check(rows["all"], [5, 1, 2, 600, 5, 3.0, 4, 800, 3, 2, 2 / 3,
                         3, 10, 40.4, 0.5, 0.25])


def test_sla_parameter(month):
    rows = _rows(analytics.satisfaction(month, P, sla_hours=48))
    assert rows["all"][COLUMNS.index("within_sla_share")] == pytest.approx(0.75)   # K5 at 48 h


def test_month_without_deliveries(month):
    rows = _rows(analytics.satisfaction(month, "2026-11"))
    # M8 paid, H8 only picked up: on-time rate NULL, not 0; no tickets: no resolution figures
    _check(rows["tmall"], [1, 0, 0, 0, 0, None, 0, 0, 0, 0, None, 0, None, None, None, None])
    assert rows["all"][COLUMNS.index("on_time_rate")] is None


def test_review_scores_by_category(month):
    df = analytics.review_scores(month, P)
    got = [(None if pd.isna(r.category) else r.category, r.reviews, r.avg_score, r.low_share,
            r.score_1, r.score_2, r.score_3, r.score_4, r.score_5) for r in df.itertuples()]
    # K2 (M2: S1 kitchen + S2 bath) counts in both; K3 M3 bath (once, though S2 and S4 are
    # both bath); K4 M1 and K7 M5 kitchen;
    # K10 has no order
    assert got == [
        ("bath", 2, pytest.approx(2.5), pytest.approx(0.5), 1, 0, 0, 1, 0),
        ("kitchen", 3, pytest.approx(8 / 3), pytest.approx(2 / 3), 1, 1, 0, 0, 1),
        (None, 1, pytest.approx(3.0), pytest.approx(0.0), 0, 0, 1, 0, 0),
    ]


def test_review_naming_a_sku_counts_in_its_category_only(month):
    # K11 reviews M2 (S1 kitchen + S2 bath) but names S2: bath only, not kitchen as K2 does
    insert(month, "service_tickets", [
        ticket("K11", "tmall", "review", "2026-10-07 10:00:00", "M2", score=2, sku="S2")])
    got = {r.category: (r.reviews, r.score_2) for r in analytics.review_scores(month, P)
           .itertuples() if not pd.isna(r.category)}
    assert got == {"bath": (3, 1), "kitchen": (3, 1)}


def _worst(df):
    return [(r.kind, r.rank, r.name, pytest.approx(r.value), r.numerator, r.denominator)
            for r in df.itertuples()]


def test_worst_lists(month):
    df = analytics.worst_lists(month, P, min_units=10, min_parcels=1)
    # units: S1 10 + 5 = 15 (M6 cancelled), S2 50, S3 42. complaints: K1 (M1 -> S1), K2 (M2 ->
    # S1, S2), K7 (M5 -> S3). SF: H1 on time, H2 late; ZTO all on time (left out); 浙江: H2
    assert [(k, r, n, v, int(a), int(b)) for k, r, n, v, a, b in _worst(df)] == [
        ("sku", 1, "S1", 2000 / 15, 2, 15),
        ("sku", 2, "S3", 1000 / 42, 1, 42),
        ("sku", 3, "S2", 20.0, 1, 50),
        ("carrier", 1, "SF", 0.5, 1, 2),
        ("province", 1, "浙江", 0.0, 0, 1),
    ]
    assert df["evidence"].iloc[0] == "2 quality complaints on 15 units sold"
    assert df["evidence"].iloc[3] == "1 of 2 delivered parcels on time"


def test_worst_lists_volume_and_top(month):
    df = analytics.worst_lists(month, P, top=1, min_units=20, min_parcels=2)
    # S1 has too few units; 浙江 too few parcels; only the first SKU is kept
    assert [(r.kind, r.name) for r in df.itertuples()] == [("sku", "S3"), ("carrier", "SF")]


def _sku_complaints(df):
    return {r.name: int(r.numerator) for r in df.itertuples() if r.kind == "sku"}


def test_worst_lists_complaint_naming_a_sku_counts_against_it_only(month):
    # K11 is about M2 (S1 + S2) but names S2; K13's SKU is blank, which names none: it counts
    # against every SKU of M3 (S2, S4)
    insert(month, "service_tickets", [
        ticket("K11", "tmall", "quality", "2026-10-07 10:00:00", "M2", sku="S2"),
        ticket("K13", "tmall", "quality", "2026-10-07 11:00:00", "M3", sku=""),
    ])
    df = analytics.worst_lists(month, P, min_units=10, min_parcels=1)
    # before: S1 K1 K2, S2 K2, S3 K7; K11 adds to S2 only, K13 to S2 (S4 has 1 unit: left out)
    assert _sku_complaints(df) == {"S1": 2, "S2": 3, "S3": 1}
    assert [r.name for r in df.itertuples() if r.kind == "sku"] == ["S1", "S2", "S3"]


def test_worst_lists_complaint_naming_a_sku_outside_its_order_counts_against_that_sku(month):
    # K12 is a low review of M4 (only S3) naming S1: the customer named S1, so S1 takes it
    insert(month, "service_tickets", [
        ticket("K12", "tmall", "review", "2026-10-07 10:00:00", "M4", score=1, sku="S1"),
        ticket("K14", "tmall", "quality", "2026-10-07 11:00:00", sku="S3"),   # no order
    ])
    df = analytics.worst_lists(month, P, min_units=10, min_parcels=1)
    assert _sku_complaints(df) == {"S1": 3, "S2": 1, "S3": 2}
    row = df[(df["kind"] == "sku") & (df["name"] == "S1")].iloc[0]
    assert row["value"] == pytest.approx(3000 / 15)
