"""The period index and the all-periods index."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from report_helpers import link_targets

from recon_lib.errors import InputError
from recon_lib.report import (
    RenderedNotebook,
    external_resources,
    write_period_index,
    write_reports_index,
)

EVIL_TITLE = '<script>alert("x")</script> & refunds'


def _section(out_dir: Path, relative: str, title: str, ok=True, error=None, create=True):
    html = out_dir / relative
    if create:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text("<html></html>", encoding="utf-8")
    return RenderedNotebook(
        name=html.stem, title=title, ipynb=html.with_suffix(".ipynb"), html=html, ok=ok, error=error
    )


@pytest.fixture
def period_page(tmp_path):
    out = tmp_path / "reports" / "2026-10"
    sections = [
        _section(out, "orders_vs_shipments.html", "Orders vs shipments"),
        _section(out, "sub dir/courier bills.html", "快递账单 Courier bills"),
        _section(
            out,
            "returns.html",
            EVIL_TITLE,
            ok=False,
            error="notebook returns.ipynb failed at cell 3 (In [3]: 'x <y>')",
        ),
    ]
    path = write_period_index(
        "2026-10",
        out,
        sections,
        headline=[("Orders & refunds", "¥1,234.50"), ("Unmatched <lines>", "12")],
        status="12 discrepancies to review",
    )
    return out, sections, path, path.read_text(encoding="utf-8")


def test_period_index_links_every_section(period_page):
    out, sections, path, html = period_page
    assert path == out / "index.html"
    hrefs = link_targets(html)
    assert hrefs == ["orders_vs_shipments.html", "sub%20dir/courier%20bills.html", "returns.html"]
    assert [(out / unquote(h)).resolve() for h in hrefs] == [s.html.resolve() for s in sections]


def test_period_index_content_and_escaping(period_page):
    _, _, _, html = period_page
    assert "<title>对账报告 2026-10 Reconciliation report 2026-10</title>" in html
    assert '<meta charset="utf-8">' in html
    assert "<script" not in html  # the evil title is text, not markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; refunds" in html
    assert "快递账单 Courier bills" in html
    assert "12 discrepancies to review" in html
    assert re.search(r"<th[^>]*>Orders &amp; refunds</th><td>¥1,234.50</td>", html)
    assert "Unmatched &lt;lines&gt;" in html
    assert "In [3]: &#x27;x &lt;y&gt;&#x27;" in html  # the error is shown, escaped


def test_period_index_marks_failed_sections(period_page):
    _, _, _, html = period_page
    items = re.findall(r"<li class=\"(ok|failed)\">(.*?)</li>", html, flags=re.S)
    assert [status for status, _ in items] == ["ok", "ok", "failed"]
    assert html.count('class="badge failed">失败 FAILED<') == 1
    assert "FAILED" in items[2][1] and "refunds" in items[2][1]
    assert "1 of 3 section(s) failed" in html
    assert ">OK<" not in html  # a badge says what a section holds, never a bare "OK"


def test_period_index_is_self_contained(period_page):
    _, _, _, html = period_page
    assert external_resources(html) == []
    assert "<link" not in html and "<script" not in html and "@import" not in html
    for font in ('"PingFang SC"', '"Microsoft YaHei"', '"Noto Sans CJK SC"'):
        assert font in html


def test_period_index_does_not_link_a_missing_page(tmp_path):
    out = tmp_path / "2026-10"
    missing = _section(out, "gone.html", "Gone", ok=False, error="boom", create=False)
    html = write_period_index("2026-10", out, [missing]).read_text("utf-8")
    assert link_targets(html) == []
    assert "no report file" in html and "FAILED" in html


def test_reports_index_lists_every_period(tmp_path):
    reports = tmp_path / "reports"
    for period in ("2026-09", "2026-10"):
        (reports / period).mkdir(parents=True)
        (reports / period / "index.html").write_text("<html></html>", encoding="utf-8")
    path = write_reports_index(
        reports,
        [
            ("2026-10", [("Orders", "20,000"), ("<script>x</script>", "3 & 4")]),
            ("2026-09", [("Orders", "18,500")]),
            ("2026-11", []),  # no index page yet: listed, not linked
        ],
    )
    assert path == reports / "index.html"
    html = path.read_text(encoding="utf-8")
    assert link_targets(html) == ["2026-10/index.html", "2026-09/index.html"]
    assert "20,000" in html and "18,500" in html and "2026-11" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "3 &amp; 4" in html
    assert "<script" not in html
    assert external_resources(html) == []
    assert '<meta charset="utf-8">' in html and '"PingFang SC"' in html


@pytest.mark.parametrize("label", ["..", "2026/10", ""])
def test_reports_index_refuses_labels_that_are_not_folder_names(tmp_path, label):
    with pytest.raises(InputError, match="not a folder name"):
        write_reports_index(tmp_path, [(label, [])])


def test_alerts_open_the_period_page_styled_by_severity(tmp_path):
    out = tmp_path / "2026-10"
    section = _section(out, "freight.html", "Freight")
    book = out / "exceptions.xlsx"
    book.write_bytes(b"")
    html = write_period_index(
        "2026-10", out, [section], headline=[("Claims", "¥1.00")],
        alerts=[("critical", "SF overcharged <¥5,000> & more",
                 [("report section", section.html), ("exceptions.xlsx: 快递费 Freight", book)]),
                ("warning", "on-time delivery 82%", []),
                ("info", "a payout is 1 day late", [])],
    ).read_text("utf-8")
    assert html.index("<h2>预警 Alerts</h2>") < html.index("<h2>关键数字 Headline figures</h2>")
    items = re.findall(r'<li class="(critical|warning|info)"><span class="sev">(\w+) (\w+)</span> '
                       r"(.*?)</li>", html, flags=re.S)
    assert [(css, zh, en) for css, zh, en, _ in items] == [
        ("critical", "严重", "CRITICAL"), ("warning", "警告", "WARNING"), ("info", "提示", "INFO")]
    items = [(css, text) for css, _, _, text in items]
    assert "SF overcharged &lt;¥5,000&gt; &amp; more" in items[0][1]
    assert link_targets(items[0][1]) == ["freight.html", "exceptions.xlsx"]
    assert "ul.alerts li.critical" in html and "ul.alerts li.warning" in html


def test_no_alerts_is_said_and_no_rules_leave_the_block_out(tmp_path):
    out = tmp_path / "2026-10"
    quiet = write_period_index("2026-10", out, [], alerts=[]).read_text("utf-8")
    assert "<h2>预警 Alerts</h2>" in quiet and "没有预警：没有规则被触发。 No alerts: no rule was breached." in quiet
    assert '<li class="critical">' not in quiet
    without = write_period_index("2026-10", out, []).read_text("utf-8")
    assert "Alerts</h2>" not in without and "No alerts" not in without
