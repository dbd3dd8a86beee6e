"""The index pages: one per period (headline figures, status, links to each section) and one for
the whole ``reports/`` folder. Plain HTML with inline CSS and no scripts, so a forwarded folder
opens anywhere, offline. All text is HTML-escaped; links are relative. Every page carries a
Content-Security-Policy (``html.with_csp``, applied in ``_write``) that allows only its own
``<style>`` and no script at all: a new block adds markup built with ``escape()`` for every
value and ``_href()`` for every link, and its CSS in ``_CSS`` (never a ``style=""``
attribute, which the policy blocks).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from recon_lib.errors import InputError, StepError
from recon_lib.report.html import external_resources, with_csp, write_atomically
from recon_lib.report.notebooks import RenderedNotebook

if TYPE_CHECKING:
    from recon_lib.coverage import Coverage

log = logging.getLogger(__name__)

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
)

_CSS = """
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb;
        --accent: #1c6dd0; --bad: #c62828; --bad-bg: #fdecea; --good: #2e7d32; --good-bg: #e8f5e9;
        --paper: #ffffff; --page: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink); font-family: $FONTS;
       font-size: 15px; line-height: 1.5; -webkit-text-size-adjust: 100%; }
main { max-width: 960px; margin: 0 auto; padding: 32px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 6px; font-weight: 650; }
h2 { font-size: 13px; margin: 28px 0 10px; color: var(--muted); text-transform: uppercase;
     letter-spacing: .06em; font-weight: 600; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.status { margin: 0; color: var(--muted); font-size: 16px; }
.coverage.incomplete { border-left: 4px solid #e65100; background: #fff8e1; }
.coverage.incomplete > .status { color: #e65100; font-weight: 600; }
.notice { margin: 16px 0 0; padding: 10px 14px; border-radius: 6px; background: var(--bad-bg);
          color: var(--bad); font-weight: 600; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
        padding: 4px 18px; box-shadow: 0 1px 2px rgba(31, 41, 51, .04); }
table.figures { border-collapse: collapse; width: 100%; }
table.figures th, table.figures td { padding: 8px 0; border-bottom: 1px solid var(--line);
                                     vertical-align: top; }
table.figures tr:last-child th, table.figures tr:last-child td { border-bottom: 0; }
table.figures th { text-align: left; font-weight: 400; color: var(--muted); padding-right: 24px; }
table.figures td { text-align: right; font-weight: 600; font-variant-numeric: tabular-nums;
                   white-space: nowrap; }
ol.sections { list-style: none; margin: 0; padding: 0; }
ol.sections li { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px;
                 padding: 10px 0; border-bottom: 1px solid var(--line); }
ol.sections li:last-child { border-bottom: 0; }
ol.sections .name { flex: 1 1 auto; font-weight: 600; }
.badge { font-size: 12px; font-weight: 700; padding: 1px 8px; border-radius: 10px;
         letter-spacing: .03em; }
.badge.ok { color: var(--good); background: var(--good-bg); }
.badge.failed { color: var(--bad); background: var(--bad-bg); }
.error { flex-basis: 100%; margin: 0; color: var(--bad); font-size: 13px;
         overflow-wrap: anywhere; }
.missing { color: var(--muted); font-size: 13px; }
.periods { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
           gap: 16px; }
.periods .card { padding: 14px 18px; }
.periods h3 { margin: 0 0 6px; font-size: 18px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
ul.alerts { list-style: none; margin: 0; padding: 0; }
ul.alerts li { margin: 8px 0; padding: 10px 14px; border-radius: 6px; border-left: 6px solid;
               overflow-wrap: anywhere; }
ul.alerts li.critical { border-color: #b71c1c; background: #fdecea; }
ul.alerts li.warning { border-color: #e65100; background: #fff4e5; }
ul.alerts li.info { border-color: #1c6dd0; background: #e8f1fc; }
ul.alerts .sev { display: inline-block; min-width: 78px; font-size: 12px; font-weight: 700;
                 letter-spacing: .05em; }
ul.alerts li.critical .sev { color: #b71c1c; }
ul.alerts li.warning .sev { color: #e65100; }
ul.alerts li.info .sev { color: #1c6dd0; }
ul.alerts .evidence { display: block; font-size: 13px; color: var(--muted); }
.no-alerts { margin: 0; padding: 10px 0; color: var(--good); font-weight: 600; }
@media print { body { background: #fff; } .card { box-shadow: none; } a { color: inherit; } }
""".replace("$FONTS", FONT_STACK)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n"
        "<footer>Generated by recon_lib. Self-contained: opens offline.</footer>\n"
        "</main>\n</body>\n</html>\n"
    )


def _href(target: Path, base_dir: Path) -> str:
    """A relative URL from a page in ``base_dir`` to ``target``, so the folder can be moved."""
    try:
        relative = os.path.relpath(Path(target).resolve(), Path(base_dir).resolve())
    except ValueError:  # another drive on Windows
        return Path(target).resolve().as_uri()
    return quote(Path(relative).as_posix())


def _figures_table(headline: Iterable[tuple[str, str]]) -> str:
    rows = [
        f'<tr><th scope="row">{escape(str(label))}</th><td>{escape(str(value))}</td></tr>'
        for label, value in headline
    ]
    if not rows:
        return ""
    return '<table class="figures"><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"


def _alerts_block(alerts: Sequence[tuple[str, str, Sequence[tuple[str, Path]]]],
                  out_dir: Path) -> str:
    if not alerts:
        return '<section class="card"><p class="no-alerts">No alerts: no rule was breached.</p>' \
               "</section>"
    items = []
    for severity, message, links in alerts:
        css = escape(severity)  # validated with the rules: info, warning or critical
        refs = " · ".join(f'<a href="{escape(_href(Path(path), out_dir))}">{escape(label)}</a>'
                          for label, path in links)
        evidence = f'<span class="evidence">Evidence: {refs}</span>' if refs else ""
        items.append(f'<li class="{css}"><span class="sev">{escape(severity.upper())}</span> '
                     f"{escape(message)}{evidence}</li>")
    return '<ul class="alerts">\n' + "\n".join(items) + "\n</ul>"


def _write(path: Path, text: str) -> Path:
    remote = external_resources(text)
    if remote:  # cannot happen with escaped text; guards future edits of this module
        raise StepError(f"{path} would load resources from the internet: {remote}")
    text = with_csp(text)  # only this page's own <style> may style it; no script may run
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)
    log.info("wrote %s", path)
    return path


def _section_item(section: RenderedNotebook, out_dir: Path) -> str:
    title = escape(section.title or section.name)
    if Path(section.html).is_file():
        name = f'<a class="name" href="{escape(_href(section.html, out_dir))}">{title}</a>'
    else:
        name = f'<span class="name">{title}</span><span class="missing">no report file</span>'
    if section.ok:
        return f'<li class="ok">{name}<span class="badge ok">OK</span></li>'
    error = f'<p class="error">{escape(section.error)}</p>' if section.error else ""
    return f'<li class="failed">{name}<span class="badge failed">FAILED</span>{error}</li>'


def write_period_index(
    period_label: str,
    out_dir: Path | str,
    sections: Sequence[RenderedNotebook],
    headline: Iterable[tuple[str, str]] = (),
    status: str = "",
    downloads: Iterable[tuple[str, Path]] = (),
    alerts: Sequence[tuple[str, str, Sequence[tuple[str, Path]]]] | None = None,
    coverage: Coverage | None = None,
) -> Path:
    """Write ``out_dir/index.html`` for one period and return its path.

    ``headline`` is a list of (label, value) figures shown as a small table; ``status`` a one-line
    summary ("All reconciled", "12 discrepancies"). Each section links to its HTML report; failed
    ones (``ok=False``) are marked FAILED with their error. ``downloads`` lists (label, file)
    pairs (workbooks next to the page) linked under "Files". ``alerts`` lists the breached
    alerts as (severity, message, [(label, evidence file)]), most severe first; they open the
    page, above the headline, coloured by severity, and an empty list says "No alerts" (None
    leaves the block out). ``coverage`` opens the page with what the run could check: the
    checks not made and why, and every source's state.
    """
    out_dir = Path(out_dir)
    title = f"Reconciliation report {period_label}"
    failed = [s for s in sections if not s.ok]
    parts = [f"<header>\n<h1>{escape(title)}</h1>"]
    if status:
        parts.append(f'<p class="status">{escape(status)}</p>')
    if failed:
        parts.append(
            f'<p class="notice">{len(failed)} of {len(sections)} section(s) failed to run; '
            "their pages show where they stopped.</p>"
        )
    parts.append("</header>")
    if coverage is not None:
        parts.append(_coverage_block(coverage))
    if alerts is not None:
        parts.append(f"<h2>Alerts</h2>\n{_alerts_block(alerts, out_dir)}")
    figures = _figures_table(headline)
    if figures:
        parts.append(f'<h2>Headline figures</h2>\n<section class="card">{figures}</section>')
    parts.append("<h2>Sections</h2>")
    if sections:
        items = "\n".join(_section_item(s, out_dir) for s in sections)
        parts.append(f'<section class="card">\n<ol class="sections">\n{items}\n</ol>\n</section>')
    else:
        parts.append('<section class="card"><p class="missing">No sections.</p></section>')
    files = [(label, path) for label, path in downloads]
    if files:
        links = "\n".join(f'<li><a href="{escape(_href(Path(path), out_dir))}">{escape(label)}</a>'
                          "</li>" for label, path in files)
        parts.append(f'<h2>Files</h2>\n<section class="card">\n<ul class="files">\n{links}\n'
                     "</ul>\n</section>")
    return _write(out_dir / "index.html", _page(title, "\n".join(parts)))


def _coverage_block(coverage: Coverage) -> str:
    """"What this run could check": checks not made (with why), rows not comparable, sources."""
    from recon_lib.coverage import SOURCE_STATES_ZH

    kind = "card coverage" + ("" if coverage.complete else " incomplete")
    lines = [f'<h2>本期核对范围 What this run could check</h2>\n<section class="{kind}">',
             f'<p class="status">{escape(coverage.summary())}</p>']
    if coverage.not_checked:
        items = "\n".join(
            f"<li><strong>{escape(c.check.title)}</strong>"
            + (f" ({escape(c.scope)})" if c.scope else "")
            + f": 未核对 not checked: {escape(c.reason)}"
            + (f"; {c.withheld:,} finding(s) withheld" if c.withheld else "") + "</li>"
            for c in coverage.not_checked)
        lines.append(f'<ul class="coverage-missing">\n{items}\n</ul>')
    if coverage.rows:
        items = "\n".join(
            f"<li>{escape(r.reason_code)}: {r.rows:,} row(s) not comparable: {escape(r.reason)} "
            f"({escape(r.field)})</li>" for r in coverage.rows)
        lines.append(f'<ul class="coverage-rows">\n{items}\n</ul>')
    cells = "\n".join(
        f"<tr><td>{escape(s.label)}</td><td>{escape(SOURCE_STATES_ZH[s.state])} {escape(s.state)}"
        f"</td><td>{s.rows:,}</td></tr>" for s in coverage.sources)
    lines.append('<details><summary>数据来源 Sources</summary>\n<table class="figures">\n'
                 f"<tr><th>source</th><th>state</th><th>rows</th></tr>\n{cells}\n</table>"
                 "</details>\n</section>")
    return "\n".join(lines)


def _check_period_folder(label: str) -> None:
    if label in ("", ".", "..") or "/" in label or "\\" in label:
        raise InputError(f"period label {label!r} is not a folder name under the reports folder")


def write_reports_index(
    reports_dir: Path | str,
    periods: Sequence[tuple[str, Iterable[tuple[str, str]]]],
) -> Path:
    """Write ``reports_dir/index.html`` listing each period (its folder name under
    ``reports_dir``) with its headline figures and a link to ``<period>/index.html``.

    Periods are listed in the order given. A period whose index page is missing is listed
    without a link.
    """
    reports_dir = Path(reports_dir)
    for label, _ in periods:
        _check_period_folder(label)
    cards = []
    for label, headline in periods:
        page = reports_dir / label / "index.html"
        if page.is_file():
            heading = f'<a href="{escape(_href(page, reports_dir))}">{escape(label)}</a>'
        else:
            heading = f'{escape(label)} <span class="missing">no report yet</span>'
        cards.append(
            f'<article class="card">\n<h3>{heading}</h3>\n{_figures_table(headline)}\n</article>'
        )
    body = ["<header>\n<h1>Reconciliation reports</h1>"]
    body.append(f'<p class="status">{len(periods)} period(s)</p>\n</header>')
    if cards:
        body.append('<div class="periods">\n' + "\n".join(cards) + "\n</div>")
    return _write(reports_dir / "index.html", _page("Reconciliation reports", "\n".join(body)))
