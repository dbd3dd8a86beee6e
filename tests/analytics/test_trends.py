"""Channel trends, weekly anomalies and the forecast on hand-made histories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from recon_lib import analytics
from recon_lib.errors import InputError
from tests.conftest import insert

P = "2026-10"


def order(oid, channel, paid, amount, cancelled=None, status="completed"):
    return {"order_id": oid, "channel": channel, "status": status,
            "created_at": paid or "2026-10-03 09:00:00", "paid_at": paid,
            "cancelled_at": cancelled, "currency": "CNY", "paid_amount": amount}


def _plain(value):
    """A cell as a plain Python value: None for NULL, bool for booleans."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return bool(value) if isinstance(value, bool | np.bool_) else value


def _val(df, column, **where):
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    value = df.loc[mask, column].item()
    return None if pd.isna(value) else value


@pytest.fixture
def sales(db):
    insert(db, "orders", [
        order("T1", "tmall", "2025-10-05 10:00:00", 100),
        order("T2", "tmall", "2026-09-10 10:00:00", 200),
        order("T3", "tmall", "2026-10-02 10:00:00", 300),
        order("T4", "tmall", "2026-10-20 10:00:00", 100, cancelled="2026-10-21 10:00:00",
              status="cancelled"),                            # paid: still gross sales
        order("T5", "tmall", None, 50, status="cancelled"),   # never paid
        order("T6", "tmall", "2026-11-02 10:00:00", 80),      # after the period
        order("J1", "jd", "2026-10-08 10:00:00", 150),
    ])
    insert(db, "order_lines", [
        {"order_id": "T1", "line_no": 1, "sku": "X", "qty": 1},
        {"order_id": "T2", "line_no": 1, "sku": "X", "qty": 2},
        {"order_id": "T3", "line_no": 1, "sku": "X", "qty": 1},
        {"order_id": "T3", "line_no": 2, "sku": "Y", "qty": 2},
        {"order_id": "T4", "line_no": 1, "sku": "X", "qty": 1},
        {"order_id": "J1", "line_no": 1, "sku": "X", "qty": 1},
    ])
    insert(db, "return_requests", [
        {"return_id": "R1", "order_id": "T3", "sku": "X", "qty": 1,
         "requested_at": "2026-10-10 10:00:00"},
        {"return_id": "R1", "order_id": "T3", "sku": "Y", "qty": 2,    # same request, 2 SKUs
         "requested_at": "2026-10-10 10:00:00"},
        {"return_id": "R2", "order_id": "T2", "sku": "X", "qty": 1,
         "requested_at": "2026-09-20 10:00:00"},
    ])
    insert(db, "refunds", [
        {"refund_id": "F1", "order_id": "T3", "amount": 60, "currency": "CNY",
         "refunded_at": "2026-10-12 10:00:00", "channel": "tmall"},
        {"refund_id": "F2", "order_id": "J1", "amount": 15, "currency": "CNY",
         "refunded_at": "2026-11-05 10:00:00", "channel": "jd"},
    ])
    insert(db, "shipments", [
        {"shipment_id": sid, "order_id": oid, "tracking_no": tn, "carrier": "YTO",
         "warehouse": "W1", "ship_time": at}
        for sid, oid, tn, at in [("SH3", "T3", "YT3", "2026-10-02 18:00:00"),
                                 ("SH4", "T4", "YT4", "2026-10-20 18:00:00"),
                                 ("SHJ", "J1", "JD1", "2026-10-08 18:00:00")]
    ])
    insert(db, "courier_bill_lines", [
        {"carrier": "YTO", "waybill_no": wb, "bill_date": day, "fee_type": fee, "payable": amt}
        for wb, day, fee, amt in [("YT3", "2026-10-03", "freight", 12),
                                  ("YT3", "2026-10-03", "insurance", 3),
                                  ("YT4", "2026-10-21", "freight", 10),
                                  ("XX9", "2026-10-05", "freight", 50),   # not our parcel
                                  ("JD1", "2026-11-01", "freight", 8)]    # after the period
    ])
    insert(db, "settlement_lines", [
        {"channel": ch, "settlement_id": sid, "line_type": kind, "amount": amt,
         "currency": "CNY", "settled_at": at}
        for ch, sid, kind, amt, at in [("tmall", "s1", "commission", -20, "2026-10-15 00:00:00"),
                                       ("tmall", "s2", "fee", -4, "2026-10-16 00:00:00"),
                                       ("tmall", "s3", "sale", 300, "2026-10-03 00:00:00"),
                                       ("jd", "s4", "commission", -7.5, "2026-10-09 00:00:00")]
    ])
    return db


MONTH_COLUMNS = ["orders", "units", "gross_sales", "aov", "returns", "return_rate", "refunded",
                 "refund_rate", "freight", "freight_per_order", "freight_share", "platform_fees",
                 "fee_share", "orders_pop", "gross_sales_pop", "aov_pop", "orders_yoy",
                 "gross_sales_yoy", "aov_yoy"]


def _row(df, channel, start):
    row = df[(df["channel"] == channel) & (df["bucket_start"] == pd.Timestamp(start))]
    assert len(row) == 1, (channel, start)
    return [None if pd.isna(v) else float(v) for v in row[MONTH_COLUMNS].iloc[0]]


def _check(got, expected):
    assert len(got) == len(expected)
    for column, g, e in zip(MONTH_COLUMNS, got, expected, strict=True):
        if e is None:
            assert g is None, column
        else:
            assert g == pytest.approx(e), column


def test_monthly_trends(sales):
    df = analytics.channel_trends(sales, P, grain="month")
    assert df.groupby("channel").size().to_dict() == {"jd": 1, "tmall": 13}   # 2025-10..2026-10
    # October tmall: T3 + T4 = 2 orders, 4 units, 400; R1 = 1 return; F1 60; freight 12 + 3 + 10;
    # fees 20 + 4; September 1 order / 200; October 2025 1 order / 100
    _check(_row(df, "tmall", "2026-10-01"),
           [2, 4, 400, 200, 1, 0.5, 60, 0.15, 25, 12.5, 0.0625, 24, 0.06,
            1.0, 1.0, 0.0, 1.0, 3.0, 1.0])
    # September: August had no orders and September 2025 is before the series: NULL changes
    _check(_row(df, "tmall", "2026-09-01"),
           [1, 2, 200, 200, 1, 1.0, 0, 0.0, 0, 0.0, 0.0, 0, 0.0,
            None, None, None, None, None, None])
    # a month without orders is a row: 0 orders, NULL ratios, -100 % against October 2025
    _check(_row(df, "tmall", "2025-11-01"),
           [0, 0, 0, None, 0, None, 0, None, 0, None, None, 0, None,
            -1.0, -1.0, None, None, None, None])
    _check(_row(df, "jd", "2026-10-01"),
           [1, 1, 150, 150, 0, 0.0, 0, 0.0, 0, 0.0, 0.0, 7.5, 0.05,
            None, None, None, None, None, None])
    assert df["complete"].all()


def test_weekly_trends_keep_weeks_without_orders(sales):
    df = analytics.channel_trends(sales, P, grain="week")
    tmall = df[df["channel"] == "tmall"]
    assert len(tmall) == 57                  # Monday 2025-09-29 .. Monday 2026-10-26
    # week of 2026-09-28: T3, freight of YT3 (12 + 3); a year earlier (2025-09-29): T1
    assert _val(df, "orders", channel="tmall", bucket_start=pd.Timestamp("2026-09-28")) == 1
    assert _val(df, "freight_per_order", channel="tmall",
                bucket_start=pd.Timestamp("2026-09-28")) == pytest.approx(15)
    assert _val(df, "orders_pop", channel="tmall",
                bucket_start=pd.Timestamp("2026-09-28")) is None      # week before: 0 orders
    assert _val(df, "orders_yoy", channel="tmall",
                bucket_start=pd.Timestamp("2026-09-28")) == pytest.approx(0.0)
    assert _val(df, "gross_sales_yoy", channel="tmall",
                bucket_start=pd.Timestamp("2026-09-28")) == pytest.approx(2.0)
    # week of 2026-10-05: no orders, but R1 was requested in it
    empty = df[(df["channel"] == "tmall") & (df["bucket_start"] == pd.Timestamp("2026-10-05"))]
    assert empty[["orders", "gross_sales", "returns"]].values.tolist() == [[0, 0.0, 1]]
    assert empty[["aov", "return_rate", "aov_pop"]].isna().all(axis=None)
    assert empty["orders_pop"].item() == pytest.approx(-1.0)
    # refund and fees land in the week of 2026-10-12, which has no sales: shares are NULL
    assert _val(df, "refunded", channel="tmall", bucket_start=pd.Timestamp("2026-10-12")) == 60
    assert _val(df, "refund_rate", channel="tmall",
                bucket_start=pd.Timestamp("2026-10-12")) is None
    last = tmall.iloc[-1]
    assert (str(last["bucket_start"])[:10], bool(last["complete"])) == ("2026-10-26", False)
    with pytest.raises(InputError):
        analytics.channel_trends(sales, P, grain="day")


def _weekly_orders(channel, counts, first_monday):
    rows = []
    for week, count in enumerate(counts):
        day = dt.datetime.fromisoformat(first_monday) + dt.timedelta(days=7 * week + 2, hours=12)
        rows += [order(f"{channel}-{week}-{i}", channel, day.isoformat(sep=" "), 10)
                 for i in range(count)]
    return rows


@pytest.fixture
def weekly(db):
    # douyin, Mondays 2026-08-31 .. 2026-10-26; shop flat at 2 a week from 2026-09-07
    insert(db, "orders", _weekly_orders("douyin", [10, 12, 11, 13, 12, 30, 0, 12, 2],
                                        "2026-08-31")
           + _weekly_orders("shop", [2, 2, 2, 2, 3, 2], "2026-09-07"))
    return db


def test_weekly_anomalies_against_median_and_mad(weekly):
    df = analytics.weekly_anomalies(weekly, P, min_history=4, history_weeks=6)
    douyin = df[df["channel"] == "douyin"].set_index("week_start")
    assert list(douyin["orders"]) == [10, 12, 11, 13, 12, 30, 0, 12, 2]

    def at(day, col, frame=douyin):
        return _plain(frame.at[pd.Timestamp(day), col])

    # fewer than 4 weeks of history: not judged
    assert [at(d, "anomaly") for d in ["2026-08-31", "2026-09-07", "2026-09-14",
                                       "2026-09-21"]] == [None] * 4
    # 09-28: history 10 12 11 13 -> median 11.5, MAD 1 -> z = 0.5 / 1.4826
    assert at("2026-09-28", "median") == 11.5 and at("2026-09-28", "mad") == 1.0
    assert at("2026-09-28", "z") == pytest.approx(0.5 / 1.4826)
    assert at("2026-09-28", "anomaly") is False
    # 10-05: 30 against median 12, MAD 1 -> z = 18 / 1.4826 = 12.1
    assert at("2026-10-05", "z") == pytest.approx(18 / 1.4826)
    assert (at("2026-10-05", "anomaly"), at("2026-10-05", "direction")) == (True, "high")
    # 10-12: a week without orders is 0, history 10 12 11 13 12 30 -> median 12, MAD 1
    assert at("2026-10-12", "orders") == 0
    assert at("2026-10-12", "z") == pytest.approx(-12 / 1.4826)
    assert (at("2026-10-12", "anomaly"), at("2026-10-12", "direction")) == (True, "low")
    # 10-19: only the last 6 weeks count (12 11 13 12 30 0): median 12, MAD 1, z = 0
    assert at("2026-10-19", "weeks_of_history") == 6
    assert at("2026-10-19", "z") == pytest.approx(0.0)
    assert at("2026-10-19", "anomaly") is False
    assert at("2026-10-19", "direction") is None
    # 10-26 runs past the period end: not judged
    assert at("2026-10-26", "complete") is False and at("2026-10-26", "anomaly") is None
    # flat history: MAD 0, z NULL; a different week is flagged, the same count is not
    shop = df[df["channel"] == "shop"].set_index("week_start")
    assert (at("2026-10-05", "mad", shop), at("2026-10-05", "z", shop)) == (0, None)
    assert at("2026-10-05", "anomaly", shop) is True
    assert at("2026-10-12", "anomaly", shop) is False


def test_holt_by_hand():
    # exact line: level and trend start right, forecasts continue it, back-test error 0
    assert analytics.holt_forecast([10, 20, 30, 40], 2) == pytest.approx([50, 60])
    assert analytics.backtest_mape([10, 20, 30, 40, 50], 2) == pytest.approx(0.0)
    # kink at the end, alpha = beta = 0.5:
    #   l, b = 10, 1 -> 11, 1 -> 12, 1 -> 13, 1 -> l = .5*15 + .5*14 = 14.5, b = .5*1.5 + .5 = 1.25
    assert analytics.holt_forecast([10, 11, 12, 13, 15], 3) == pytest.approx([15.75, 17, 18.25])
    # beta 0.2: the same levels, trend .2 x 1.5 + .8 x 1 = 1.1
    assert analytics.holt_forecast([10, 11, 12, 13, 15], 2, beta=0.2) == pytest.approx([15.6, 16.7])
    # holdout 1: fit 10..13 -> 14 vs 15: 1/15; holdout 2: fit 10..12 -> 13, 14 vs 13, 15
    assert analytics.backtest_mape([10, 11, 12, 13, 15], 1) == pytest.approx(100 / 15)
    assert analytics.backtest_mape([10, 11, 12, 13, 15], 2) == pytest.approx(50 / 15)
    assert analytics.backtest_mape([5, 6, 0, 0], 2) is None             # only zeros held out
    with pytest.raises(InputError):
        analytics.backtest_mape([1, 2, 3], 2)


@pytest.fixture
def monthly(db):
    rows = []
    for month, count in zip(["06", "07", "08", "09", "10"], [10, 11, 12, 13, 15], strict=True):
        rows += [order(f"T{month}-{i}", "tmall", f"2026-{month}-15 10:00:00", 100)
                 for i in range(count)]
    rows += [order("J9", "jd", "2026-09-15 10:00:00", 100),
             order("J10", "jd", "2026-10-15 10:00:00", 100)]
    insert(db, "orders", rows)
    return db


def test_forecast_with_backtest(monthly):
    df = analytics.channel_forecast(monthly, P, horizon=3, holdout=1)
    tmall = df[(df["channel"] == "tmall") & (df["measure"] == "orders")]
    assert [str(m) for m in tmall["month"]] == ["2026-11-01", "2026-12-01", "2027-01-01"]
    assert list(tmall["forecast"]) == pytest.approx([15.75, 17.0, 18.25])
    assert list(tmall["mape"]) == pytest.approx([100 / 15] * 3)
    # band: forecast -/+ MAPE (1/15 of it)
    assert list(tmall["lower"]) == pytest.approx([14.7, 17 * 14 / 15, 18.25 * 14 / 15])
    assert list(tmall["upper"]) == pytest.approx([16.8, 17 * 16 / 15, 18.25 * 16 / 15])
    sales = df[(df["channel"] == "tmall") & (df["measure"] == "gross_sales")]
    assert list(sales["forecast"]) == pytest.approx([1575, 1700, 1825])
    assert set(tmall["history_months"]) == {5} and tmall["note"].isna().all()
    # jd has 2 months; holding 1 out needs 3: a row per measure, no numbers, a note
    jd = df[df["channel"] == "jd"]
    assert list(jd["measure"]) == ["orders", "gross_sales"]
    assert jd[["month", "forecast", "lower", "upper", "mape"]].isna().all(axis=None)
    assert jd["note"].str.startswith("not enough history: 2 month(s), need at least 3").all()
    two = analytics.channel_forecast(monthly, P, holdout=2)
    assert two.loc[two["channel"] == "tmall", "mape"].tolist() == pytest.approx([50 / 15] * 6)


def test_forecast_without_orders_is_empty(db):
    df = analytics.channel_forecast(db, P)
    assert df.empty and list(df.columns) == analytics.FORECAST_COLUMNS


def test_foreign_currency_fees_are_converted_at_the_days_rate(db):
    insert(db, "orders", [{"order_id": "S1", "channel": "shop", "status": "completed",
                           "created_at": "2026-10-05", "paid_at": "2026-10-05 10:00:00",
                           "currency": "CNY", "paid_amount": 710}])
    insert(db, "fx_rates", [{"rate_date": "2026-10-06", "currency": "USD", "rate_to_cny": 7.1}])
    insert(db, "settlement_lines", [{"channel": "shop", "settlement_id": "F1", "order_id": "S1",
                                     "line_type": "fee", "amount": -1, "currency": "USD",
                                     "settled_at": "2026-10-06 10:00:00"}])
    monthly = analytics.channel_trends(db, "2026-10", grain="month")
    row = monthly[monthly["channel"] == "shop"].iloc[0]
    assert row["platform_fees"] == pytest.approx(7.1)        # 1 USD at 7.10
    assert row["fee_share"] == pytest.approx(7.1 / 710)
