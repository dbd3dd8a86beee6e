"""States that mean what they say: the run a page came from, a page older than the latest run, a
period never loaded, a history too short to draw, the PDF's paper, charts of money."""

from __future__ import annotations

import re
import shutil
from datetime import datetime

import matplotlib
import pandas as pd
import pytest

from recon_lib import analytics, charts, results
from recon_lib.report.index import mark_stale, write_period_index
from recon_lib.report.notebooks import RenderedNotebook
from recon_lib.report.pdf import summary_pdf
from tests.hostile_month import audit_html

matplotlib.use("Agg")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _run(db, run_id="2026-10-20261204T1656", finished=datetime(2026, 12, 4, 16, 56)):
    db.execute("INSERT INTO runs (run_id, period, started_at, finished_at) VALUES "
               "($run_id, '2026-10', $started, $finished)",
               {"run_id": run_id, "started": finished, "finished": finished}, name="run")


def test_a_period_never_reconciled_says_so_and_a_reconciled_one_names_its_run(db):
    warning = results.period_note(db, "2026-10")
    assert "期间 2026-10 没有加载过数据" in warning and "never loaded" in warning
    assert results.run_note(db, "2026-10") == ""
    _run(db)
    assert results.period_note(db, "2026-10") == ""
    note = results.run_note(db, "2026-10")
    assert "2026-10-20261204T1656" in note and "2026-12-04 16:56" in note


def _section(out, name="freight"):
    html = out / f"{name}.html"
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head>'
                    "<body><main><p>page</p></main></body></html>", encoding="utf-8")
    return RenderedNotebook(name=name, title=name, ipynb=html.with_suffix(".ipynb"), html=html)


def test_pages_a_later_run_did_not_render_are_marked_stale(tmp_path):
    out = tmp_path / "2026-10"
    section = _section(out)
    write_period_index("2026-10", out, [section], run=("RUN-1", datetime(2026, 12, 1, 9, 0)),
                       section_totals={"freight": (66, 1077.51)})
    marked = mark_stale(out, "RUN-2", datetime(2026, 12, 2, 10, 30))
    assert sorted(p.name for p in marked) == ["freight.html", "index.html"]
    mark_stale(out, "RUN-3", datetime(2026, 12, 3, 11, 0))  # marked again: the newer run only
    for page in marked:
        text = page.read_text(encoding="utf-8")
        assert text.count('id="recon-stale"') == 1 and "RUN-3" in text and "RUN-2" not in text
        assert "--no-report" in text and "2026-12-03 11:00" in text
        audit = audit_html(text)
        assert audit.injected == [] and audit.first_in_head == "meta Content-Security-Policy"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "RUN-1" in index and "66 条 · ¥1,077.51" in index
    fresh = write_period_index("2026-10", out, [section], run=("RUN-4", datetime(2026, 12, 4)))
    assert "recon-stale" not in fresh.read_text(encoding="utf-8")  # a rendered run: fresh page


def test_sparse_history_is_a_sentence_not_empty_charts():
    one = pd.DataFrame({"bucket_start": pd.to_datetime(["2026-10-01"] * 2 + ["2026-11-01"] * 2),
                        "channel": ["jd", "tmall"] * 2, "orders": [5, 6, 0, 0]})
    assert "只加载了 1 个月（2026-10）" in analytics.history_note(one)  # November: no orders
    three = pd.DataFrame({"bucket_start": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01"])})
    assert "预测需要至少 5" in analytics.history_note(three)
    five = pd.DataFrame({"bucket_start": pd.date_range("2026-06-01", periods=5, freq="MS")})
    assert analytics.history_note(five) == ""
    assert "No month" in analytics.history_note(one.head(0))
    judged = pd.DataFrame({"anomaly": pd.array([None, None], dtype="boolean")})
    assert "Fewer than 8 weeks" in analytics.anomaly_note(judged)
    calm = pd.DataFrame({"anomaly": pd.array([False, False], dtype="boolean")})
    assert "No anomalous week" in analytics.anomaly_note(calm)
    assert analytics.anomaly_note(pd.DataFrame({"anomaly": pd.array([True], dtype="boolean")})) == ""


def test_findings_charts_plot_money_largest_first_with_counts_as_labels():
    summary = pd.DataFrame({"reason_code": ["PAY_NOT_SETTLED", "PAY_NO_DEPOSIT", "PAY_FEE_MISMATCH",
                                            "PAY_MATCH_UNRESOLVED"],
                            "findings": [50, 2, 50, 0], "amount": [1904.2, 421171.19, 40.0, 0.0]})
    fig = charts.findings_by_reason(summary, "t")
    ax = fig.axes[0]
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [40.0, 1904.2, 421171.19]  # bottom to top: the most money on top; 0 findings out
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1] == "提现未到账 Payout not in the bank"
    notes = [t.get_text() for t in ax.texts]
    assert "¥421,171.19 · 2 条" in notes and "¥40.00 · 50 条" in notes
    assert ax.get_xlabel() == "差异金额(元) Money at stake (yuan)"
    matplotlib.pyplot.close(fig)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_summary_pdf_is_a4(tmp_path):
    page = write_period_index("2026-10", tmp_path, [_section(tmp_path)],
                              headline=[("超期应收 Receivables overdue", "¥1.00")])
    pdf = summary_pdf(page).read_bytes()
    width, height = map(float, re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups())
    assert (round(width), round(height)) == (595, 842)  # A4 in points, not US Letter (612 x 792)
