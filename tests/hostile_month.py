"""A demo month whose ids and texts were written by an attacker, reconciled and rendered once per
test session: every page, the exceptions workbook and the claims workbooks.

Each hostile string is at once HTML (an element with a handler that marks the page when it runs),
a spreadsheet formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR) and, for labels
charts draw, matplotlib math that fails to parse. They are put in front of the ids and texts of a
generated month, the same way in every table, so the month still joins up and its findings carry
them into every reconciliation, page and workbook.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from recon_lib import alerts, config, coverage, results, schema
from recon_lib.db import Database
from recon_lib.demo import build_month
from recon_lib.demo.frames import insert_month
from recon_lib.periods import Period, parse_period
from recon_lib.pipeline import SECTIONS, headline, reconcile_period
from recon_lib.report import write_period_index, write_reports_index
from recon_lib.report.claims import write_claims
from recon_lib.report.exceptions import write_exceptions
from recon_lib.report.render import render_sections

PERIOD: Period = parse_period("2026-10")
MARK = "data-xss"
"""The attribute an injected handler sets on <html> when it runs."""


def _js(tag: str) -> str:
    """Script that appends ``tag`` to <html data-xss>: which injected handlers ran."""
    return (f"document.documentElement.setAttribute('{MARK}',"
            f"(document.documentElement.getAttribute('{MARK}')||'')+'{tag} ')")


ORDER = f"@SUM(1+1)*cmd|'/C calc'!A0<img src=x onerror=\"{_js('order')}\">"
WAYBILL = f'=HYPERLINK("http://x","click")<script>{_js("waybill")}</script>'
COUNTERPARTY = f"+1+cmd|' /C calc'!A0<svg onload=\"{_js('bank')}\"></svg>"
CARRIER = f"-1+1<img src=x onerror=\"{_js('carrier')}\">$\\frac{{$/../"
WAREHOUSE = f"\t=1+1<iframe srcdoc=\"<script>{_js('warehouse')}</script>\"></iframe>$\\foo$"
CATEGORY = f"\r=2<body onload=\"{_js('category')}\">"
SKU = f"=cmd|' /C calc'!A0<a href=\"javascript:{_js('sku')}\">x</a><style>*{{color:red}}</style>"
PAYLOADS = {"order": ORDER, "waybill": WAYBILL, "counterparty": COUNTERPARTY,
            "carrier": CARRIER, "warehouse": WAREHOUSE, "category": CATEGORY, "sku": SKU}
"""Each hostile prefix by what it was put in front of."""

# column -> the payload put in front of (a deterministic share of) its values, in every table
_PREFIXED = {"order_id": ORDER, "tracking_no": WAYBILL, "waybill_no": WAYBILL,
             "return_tracking_no": WAYBILL, "counterparty": COUNTERPARTY, "sku": SKU}
_REPLACED = {"carrier": ("YTO", CARRIER), "warehouse": None, "category": None}


@dataclass(frozen=True)
class HostileMonth:
    root: Path
    db_path: Path
    out_dir: Path
    pages: dict[str, Path]
    """Section name (and "index") -> its HTML page."""
    workbooks: list[Path]


def _poison(db: Database) -> None:
    """Put the payloads in front of ids and texts, the same in every table."""
    warehouse = db.scalar("SELECT min(warehouse) FROM shipments")
    category = db.scalar("SELECT min(category) FROM products")
    replaced = {"carrier": _REPLACED["carrier"], "warehouse": (warehouse, WAREHOUSE),
                "category": (category, CATEGORY)}
    with db.transaction():
        for tbl in schema.TABLES.values():
            names = {c.name for c in schema.all_columns(tbl)}
            for column, payload in _PREFIXED.items():
                if column in names:  # a third of the ids, chosen by the id itself
                    db.execute(f"UPDATE {tbl.name} SET {column} = $p || {column} "
                               f"WHERE hash({column}) % 3 = 0", {"p": payload},
                               name=f"poison {tbl.name}.{column}")
            for column, (old, new) in replaced.items():
                if column in names:
                    db.execute(f"UPDATE {tbl.name} SET {column} = $new WHERE {column} = $old",
                               {"new": new, "old": old}, name=f"poison {tbl.name}.{column}")


def _hostile_coverage(found: coverage.Coverage) -> coverage.Coverage:
    """The run's coverage with input-derived text in every field the panel shows."""
    check = found.checks[0].check
    return dataclasses.replace(
        found,
        sources=(*found.sources, coverage.Source(SKU, coverage.ABSENT, 0, (WAREHOUSE,))),
        checks=(*found.checks, coverage.CheckResult(check, coverage.NOT_CHECKED,
                                                    f"no bill of {CARRIER}", CARRIER, 3)),
        rows=(coverage.RowsNotCheckable("freight", WAYBILL, CATEGORY, 2, ORDER),))


def _build(root: Path) -> HostileMonth:
    db_path = root / "recon.duckdb"
    out_dir = root / "reports" / PERIOD.label
    with Database(db_path) as db:
        insert_month(db, build_month(PERIOD, orders=600, seed=18))
        _poison(db)
        done = reconcile_period(db, PERIOD)
        figures = headline(db, PERIOD.label)
        checked = alerts.evaluate(db, PERIOD, alerts.load_rules().rules,
                                  config.DEFAULT_SETTINGS)
        book = write_exceptions(db, PERIOD, out_dir)
        claims = write_claims(db, PERIOD, out_dir)
        totals, run = results.section_totals(db, PERIOD.label), results.latest_run(db, PERIOD.label)
    pages = render_sections([config.NOTEBOOKS_DIR / f"{name}.ipynb" for name in SECTIONS],
                            out_dir, {"period": PERIOD.label, "db_path": str(db_path)})
    assert [error for _, error in pages] == [None] * len(SECTIONS), "a page failed to render"
    sections = [rendered for rendered, _ in pages]
    shown = [(a.severity, a.message, []) for a in alerts.breached(checked)]
    shown.append(("critical", f"carrier {CARRIER} order {ORDER}", [(WAYBILL, book)]))
    index = write_period_index(PERIOD.label, out_dir, sections, [(ORDER, WAYBILL), *figures],
                               status=COUNTERPARTY, downloads=[(CARRIER, book)], alerts=shown,
                               coverage=_hostile_coverage(done.coverage),
                               first=[(ORDER, CARRIER, WAYBILL, COUNTERPARTY, SKU, "freight")], section_totals=totals,
                               run=run)
    write_reports_index(root / "reports", [(PERIOD.label, [(WAREHOUSE, CATEGORY)])])
    pages = {s.name: s.html for s in sections} | {"index": index,
                                                 "reports": root / "reports" / "index.html"}
    return HostileMonth(root, db_path, out_dir, pages, [book, *claims])


_built: dict[str, HostileMonth] = {}
_lock = threading.Lock()


def hostile_month(tmp_path_factory) -> HostileMonth:
    """The month, built on first use and shared by every test module of the session."""
    with _lock:
        if "month" not in _built:
            _built["month"] = _build(tmp_path_factory.mktemp("hostile"))
        return _built["month"]


# -- reading a page as a browser would -----------------------------------------------------------
REPORT_TAGS = frozenset({
    "html", "head", "meta", "title", "style", "script", "body", "main", "header", "footer",
    "section", "article", "details", "summary", "div", "span", "p", "a", "h1", "h2", "h3", "h4",
    "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup",
    "col", "ul", "ol", "li", "img", "em", "strong", "b", "i", "small", "sup", "sub", "code",
    "pre", "br", "hr", "blockquote"})
"""Every element a report page is built of. Anything else (iframe, svg, object, form, base,
link, input...) came from data."""
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc")


@dataclass
class PageAudit:
    text: str = ""
    """The page's text as a reader sees it (not script or style), line ends as a browser reads
    them."""
    injected: list[str] | None = None
    """Markup that is not the report's own: elements, handlers, script URLs, body scripts."""
    head_scripts: list[str] | None = None
    policy: str | None = None
    """The Content-Security-Policy of the page's <meta http-equiv>."""
    first_in_head: str | None = None
    """The first element in <head> after <meta charset>."""


class _Auditor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.audit = PageAudit(injected=[], head_scripts=[])
        self._text: list[str] = []
        self._raw: str | None = None
        self._raw_text: list[str] = []
        self._in_head = False
        self._seen: dict[str, int] = {}
        self._head_elements: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = self.audit.injected
        self._seen[tag] = self._seen.get(tag, 0) + 1
        if tag not in REPORT_TAGS:
            found.append(f"<{tag}> element")
        if tag in ("html", "head", "body") and self._seen[tag] > 1:
            found.append(f"a second <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"{name}= handler on <{tag}>")
            if name == "style" and not self._in_head:
                found.append(f"style= attribute on <{tag}>")
            scripted = value and re.match(r"\s*(javascript|vbscript|data):", value, re.I)
            picture = tag == "img" and name == "src" and (value or "").startswith("data:image/")
            if name in _URL_ATTRIBUTES and scripted and not picture:
                found.append(f"{name}={value[:30]!r} on <{tag}>")
        if tag == "img" and not (dict(attrs).get("src") or "").startswith("data:image/"):
            found.append(f"<img src={dict(attrs).get('src')!r}>")
        if tag == "head":
            self._in_head = True
        if self._in_head and tag != "head":
            self._head_elements.append(tag if tag != "meta" else
                                       "meta charset" if dict(attrs).get("charset") else
                                       f"meta {dict(attrs).get('http-equiv') or dict(attrs).get('name')}")
            if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == \
                    "content-security-policy":
                self.audit.policy = dict(attrs).get("content")
        if tag in ("script", "style"):
            if not self._in_head:
                found.append(f"<{tag}> in the body")
            self._raw, self._raw_text = tag, []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._raw = None

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        if tag == self._raw:
            if tag == "script" and self._in_head:
                self.audit.head_scripts.append("".join(self._raw_text))
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self._raw_text.append(data)
        else:
            self._text.append(data)

    def close(self):
        super().close()
        self.audit.text = normalise("".join(self._text))
        rest = [e for e in self._head_elements if e != "meta charset"]
        self.audit.first_in_head = rest[0] if rest else None


def normalise(text: str) -> str:
    """Line ends as an HTML parser in a browser reads them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def audit_html(page: str) -> PageAudit:
    auditor = _Auditor()
    auditor.feed(page)
    auditor.close()
    return auditor.audit
