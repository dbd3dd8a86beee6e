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
