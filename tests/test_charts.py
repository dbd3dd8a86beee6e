"""Charts: Chinese labels render with a CJK font where one is installed, never as boxes."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from recon_lib import charts

FONT = charts.cjk_font()


@pytest.mark.skipif(FONT is None, reason="no CJK font installed (apt-get install "
                                         "fonts-wqy-microhei, or any of charts.CJK_FONTS)")
def test_chinese_labels_render_with_a_cjk_font_not_boxes():
    df = pd.DataFrame({"warehouse": ["上海仓", "广州仓"], "turnover": [1.2, 0.8]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig = charts.bars(df, "warehouse", "turnover", "库存周转 Stock turnover", "times",
                          money=False)
        fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["上海仓", "广州仓"]
    assert FONT in charts.CJK_FONTS


def test_a_single_month_keeps_a_date_axis_of_weeks_not_years():
    df = pd.DataFrame({"month": pd.to_datetime(["2026-10-01", "2026-10-01"]),
                       "orders": [5006, 4700], "channel": ["douyin", "jd"]})
    fig = charts.lines(df, "month", "orders", "channel", "Orders per month", "orders")
    lo, hi = fig.axes[0].get_xlim()
    assert hi - lo == 40  # days
    two = pd.concat([df, df.assign(month=pd.Timestamp("2026-11-01"))])
    lo, hi = charts.lines(two, "month", "orders", "channel", "t", "orders").axes[0].get_xlim()
    assert lo < 20727 < 20758 < hi  # 2026-10-01 and 2026-11-01 in days, as data sets them


def test_money_axes_read_in_full_not_in_powers_of_ten():
    df = pd.DataFrame({"label": ["订单实付 Paid", "未发货 Not shipped", "已到账 In the bank"],
                       "amount": [2_947_193.80, 102_397.80, 2_844_796.00]})
    fig = charts.waterfall(df, "From paid orders to the bank")
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "2,500,000" in labels and ax.yaxis.get_offset_text().get_text() == ""
    shares = charts.bars(pd.DataFrame({"c": ["jd", "shop"], "s": [0.064, 0.006]}), "c", "s",
                         "Fees", "share", money=False)
    shares.canvas.draw()
    assert "0.06" in [t.get_text() for t in shares.axes[0].get_yticklabels()]
