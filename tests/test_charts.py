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
