"""Text from input files never becomes markup in a report page, and the pages' security policy
stops a script even where escaping were missed.

The end-to-end tests read a month whose order ids, waybills, bank counterparties, carriers,
warehouses, product categories and SKUs start with hostile HTML (tests/hostile_month.py), after
every reconciliation ran and every page was rendered. Pages are parsed, not searched for one
spelling: an injected element, handler or script URL is found however it is written.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import shutil
import subprocess

import matplotlib
import pandas as pd
import pytest

from recon_lib import charts, show
from recon_lib.errors import StepError
from recon_lib.report.html import content_security_policy, with_csp
from recon_lib.report.index import write_period_index
from recon_lib.report.notebooks import RenderedNotebook
from tests.hostile_month import MARK, PAYLOADS, audit_html, hostile_month, normalise

matplotlib.use("Agg")

HOSTILE = list(PAYLOADS.values())
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine "
                                    "(apt-get install chromium to run the browser checks)")


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return hostile_month(tmp_path_factory)


def _shown(monkeypatch, call) -> str:
    out = []
    monkeypatch.setattr(show, "display", lambda obj: out.append(obj.data))
    call()
    return "".join(out)


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{body}</body></html>"


# -- the one table path, and text --------------------------------------------------------------
def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "key": HOSTILE,
        PAYLOADS["order"]: HOSTILE[::-1],  # a column name from data too
        "amount": [1.5] * len(HOSTILE),
        "note": [None] + HOSTILE[1:],
    })


def test_tables_escape_every_header_and_cell(monkeypatch):
    page = _shown(monkeypatch, lambda: show.table(_hostile_frame(), money=["amount"]))
    audit = audit_html(_page(page))
    assert audit.injected == []
    for payload in HOSTILE:
        assert normalise(payload) in audit.text  # shown as the text it is
    assert "¥1.50" in audit.text


def test_the_table_check_catches_a_table_that_does_not_escape(monkeypatch):
    """The control: the same frame through a table helper without escaping is caught."""
    monkeypatch.setattr(show, "escaped", lambda value: "" if value is None else str(value))
    page = _shown(monkeypatch, lambda: show.table(_hostile_frame()))
    injected = audit_html(_page(page)).injected
    assert any("onerror" in p for p in injected) and "<script> in the body" in injected
    assert "<svg> element" in injected and "<iframe> element" in injected


def test_text_and_links_escape_and_stay_relative(monkeypatch):
    page = _shown(monkeypatch, lambda: (
        show.text(" ".join(HOSTILE)),
        show.links({label: f"freight_claims_{label}.xlsx" for label in HOSTILE}
                   | {"x": "javascript:alert(1)", "y": "//evil.example/x", "z": "/etc/passwd"})))
    audit = audit_html(_page(page))
    assert audit.injected == []
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(not re.match(r"[a-z]+:|//|/", h) for h in hrefs), hrefs


# -- charts ---------------------------------------------------------------------------------------
def _draw_every_chart(labels: list[str]) -> None:
    n = len(labels)
    frames = {
        "bars": pd.DataFrame({"carrier": labels, "v": range(1, n + 1)}),
        "summary": pd.DataFrame({"title": labels, "findings": range(1, n + 1),
                                 "amount": [10.0] * n}),
        "stack": pd.DataFrame({"channel": labels, "age": labels[::-1], "amount": [1.0] * n}),
        "lines": pd.DataFrame({"day": pd.date_range("2026-10-01", periods=n), "v": range(n),
                               "channel": labels}),
        "waterfall": pd.DataFrame({"label": ["start"] + labels + ["end"],
                                   "amount": [100.0] + [1.0] * n + [90.0]}),
    }
    figures = [
        charts.bars(frames["bars"], "carrier", "v", labels[0], labels[1]),
        charts.findings_by_reason(frames["summary"], labels[2]),
        charts.stacked_bars(frames["stack"], "channel", "age", "amount", labels[3], "yuan"),
        charts.lines(frames["lines"], "day", "v", "channel", labels[4], "n"),
        charts.waterfall(frames["waterfall"], labels[5]),
    ]
    for fig in figures:
        fig.savefig(io.BytesIO(), format="png")  # drawing is where mathtext would fail
        matplotlib.pyplot.close(fig)


def test_charts_draw_labels_from_data_as_plain_text():
    _draw_every_chart([*HOSTILE, r"$\frac{$", r"a $\undefinedcommand$ b"])


def test_the_chart_check_catches_labels_read_as_math(monkeypatch):
    """The control: without ``charts.literal`` a carrier named ``$\\frac{$`` fails the page."""
    monkeypatch.setattr(charts, "literal", str)
    with pytest.raises(ValueError):
        _draw_every_chart([*HOSTILE, r"$\frac{$", r"a $\undefinedcommand$ b"])


# -- the security policy ----------------------------------------------------------------------
HEAD = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>'
        "<style>p { color: red; }</style><script>var ours = 1;</script>"
        '<script type="application/json">{"data": 1}</script></head>')


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_policy_allows_the_heads_own_style_and_script_by_hash_and_nothing_else():
    page = with_csp(HEAD + "<body><script>evil()</script><style>b {}</style></body></html>")
    audit = audit_html(page)
    assert audit.first_in_head == "meta Content-Security-Policy"
    directives = dict(d.strip().split(" ", 1) for d in audit.policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == _hash("var ours = 1;")
    assert directives["style-src"] == _hash("p { color: red; }")
    assert directives["img-src"] == "data:"
    assert directives["base-uri"] == directives["form-action"] == "'none'"
    assert "unsafe" not in audit.policy and _hash("evil()") not in audit.policy
    assert with_csp(page) == page  # once only


def test_the_policy_refuses_a_second_script_or_a_script_file_in_the_head():
    with pytest.raises(StepError, match="2 scripts"):
        content_security_policy(HEAD.replace("</head>", "<script>x()</script></head>"))
    with pytest.raises(StepError, match="script file"):
        content_security_policy(HEAD.replace("</head>", '<script src="a.js"></script></head>'))


def test_the_index_page_escapes_and_allows_no_script(tmp_path):
    section = RenderedNotebook(name="x", title=HOSTILE[0], ipynb=tmp_path / "x.ipynb",
                               html=tmp_path / "x.html", ok=False, error=HOSTILE[1])
    page = write_period_index(
        "2026-10", tmp_path, [section], headline=[(h, h) for h in HOSTILE], status=HOSTILE[2],
        downloads=[(HOSTILE[3], tmp_path / "a.xlsx")],
        alerts=[("critical", h, [(h, tmp_path / "b.xlsx")]) for h in HOSTILE],
    ).read_text(encoding="utf-8")
    audit = audit_html(page)
    assert audit.injected == []
    assert all(normalise(h) in audit.text for h in HOSTILE)
    assert "script-src 'none'" in audit.policy and audit.first_in_head.endswith("Policy")


# -- every page of a hostile month --------------------------------------------------------------
EXPECTED = {  # page -> payloads its tables, charts and texts must show (as text)
    "freight": ("waybill", "carrier"),
    "payments": ("order", "counterparty"),
    "shipping": ("order",),
    "returns": ("order",),
    "inventory": ("warehouse", "category", "sku"),
    "outbound": ("sku",),
    "service": ("carrier",),
    "index": ("order", "waybill", "counterparty", "carrier"),
    "reports": ("warehouse", "category"),
}


@pytest.mark.slow
def test_no_hostile_value_reaches_any_page_as_markup(month):
    assert set(month.pages) >= set(EXPECTED) | {"money", "trends"}
    for name, path in month.pages.items():
        page = path.read_text(encoding="utf-8")
        audit = audit_html(page)
        assert audit.injected == [], f"{name}: {audit.injected[:5]}"
        for what in EXPECTED.get(name, ()):
            assert normalise(PAYLOADS[what]) in audit.text, f"{name}: no {what} value shown"
        assert audit.policy and audit.first_in_head == "meta Content-Security-Policy", name
        assert "default-src 'none'" in audit.policy and "unsafe" not in audit.policy, name
        if name in ("index", "reports"):
            assert audit.head_scripts == [] and "script-src 'none'" in audit.policy
        else:  # the one inline script (the table filter), allowed by its hash
            assert len(audit.head_scripts) == 1, name
            assert f"script-src {_hash(audit.head_scripts[0])};" in audit.policy, name


def _browse(page, profile) -> tuple[str, str]:
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--dump-dom",
         page.as_uri()], capture_output=True, text=True, timeout=120)
    return done.stdout, done.stderr


def _ran(dom: str) -> str | None:
    """Which injected handlers ran: the <html data-xss> they wrote, or None."""
    found = re.search(r"<html[^>]*\b" + MARK + r'="([^"]*)"', dom)
    return found.group(1) if found else None


@needs_chromium
@pytest.mark.slow
def test_no_injected_handler_runs_in_chromium(month, tmp_path):
    for name in ("freight", "payments", "shipping", "inventory", "returns", "index"):
        dom, log = _browse(month.pages[name], tmp_path / "profile")
        assert "<html" in dom, f"{name}: chromium showed nothing: {log[-500:]}"
        assert _ran(dom) is None, f"{name}: injected code ran: {_ran(dom)}"
        if name != "index":  # our own script still runs under the policy
            assert dom.count('class="recon-filter"') >= 1, name


@needs_chromium
@pytest.mark.slow
def test_the_policy_alone_stops_markup_that_escaped_escaping(month, tmp_path):
    """Paste every payload unescaped into a real page: with its policy nothing runs; the same
    page without the policy (the control) runs them, so the check would see it."""
    page = month.pages["freight"].read_text(encoding="utf-8")
    raw = page.replace("<main>", "<main>" + "".join(HOSTILE), 1)
    with_policy = tmp_path / "with_policy.html"
    with_policy.write_text(raw, encoding="utf-8")
    without = tmp_path / "without_policy.html"
    without.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", raw),
                       encoding="utf-8")
    dom, _ = _browse(with_policy, tmp_path / "profile")
    assert _ran(dom) is None and dom.count('class="recon-filter"') >= 1
    dom, _ = _browse(without, tmp_path / "profile")
    assert {"order", "waybill", "category"} <= set((_ran(dom) or "").split())
