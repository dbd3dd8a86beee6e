"""The index pages: one per period (headline figures, status, each section with its findings and
money, the run it came from) and one for the whole ``reports/`` folder. Plain HTML with inline
CSS and no scripts, so a forwarded folder opens anywhere, offline, on a phone too. All text is
HTML-escaped; links are relative; words are Chinese first, English second (the labels from
:mod:`recon_lib.labels`). Every page carries a Content-Security-Policy (``html.with_csp``,
applied in ``_write``) that allows only its own ``<style>`` and no script at all: a new block
adds markup built with ``escape()`` for every value and ``_href()`` for every link, and its CSS
in ``_CSS`` (never a ``style=""`` attribute, which the policy blocks).

:func:`mark_stale` marks the pages of a period that a later run did not re-render (``recon run
--no-report``), so nobody reads last run's figures as this run's.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from recon_lib import labels
from recon_lib.errors import InputError, StepError
from recon_lib.formats import yuan
from recon_lib.labels import both
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
h1 .en { display: block; font-size: 17px; font-weight: 500; color: var(--muted); }
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
table.first { border-collapse: collapse; width: 100%; font-size: 14px; }
table.first th, table.first td { padding: 6px 8px 6px 0; border-bottom: 1px solid var(--line);
                                 text-align: left; vertical-align: top; overflow-wrap: anywhere; }
table.first th { color: var(--muted); font-weight: 400; }
table.first td.num { text-align: right; font-weight: 600; white-space: nowrap;
                     font-variant-numeric: tabular-nums; }
table.figures { border-collapse: collapse; width: 100%; }
table.figures th, table.figures td { padding: 8px 0; border-bottom: 1px solid var(--line);
                                     vertical-align: top; }
table.figures tr:last-child th, table.figures tr:last-child td { border-bottom: 0; }
table.figures th { text-align: left; font-weight: 400; color: var(--muted); padding-right: 16px; }
table.figures td { text-align: right; font-weight: 600; font-variant-numeric: tabular-nums;
                   overflow-wrap: anywhere; }
ol.sections { list-style: none; margin: 0; padding: 0; }
ol.sections li { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px;
                 padding: 10px 0; border-bottom: 1px solid var(--line); }
ol.sections li:last-child { border-bottom: 0; }
ol.sections .name { flex: 1 1 auto; font-weight: 600; }
.badges { display: flex; flex-wrap: wrap; gap: 4px 6px; }
.badge { font-size: 12px; font-weight: 700; padding: 1px 8px; border-radius: 10px;
         letter-spacing: .03em; white-space: nowrap; font-variant-numeric: tabular-nums; }
.badge.findings { color: #8a4b00; background: #fff1d6; }
.badge.clean { color: var(--good); background: var(--good-bg); }
.badge.analysis { color: var(--muted); background: #eef1f4; }
.badge.partial { color: #e65100; background: #fff8e1; }
.badge.failed { color: var(--bad); background: var(--bad-bg); }
.provenance { margin: 4px 0 0; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.stale { margin: 0 0 16px; padding: 10px 14px; border-radius: 6px; background: #fff8e1;
         border-left: 6px solid #e65100; color: #8a4b00; font-weight: 600;
         overflow-wrap: anywhere; }
.error { flex-basis: 100%; margin: 0; color: var(--bad); font-size: 13px;
         overflow-wrap: anywhere; }
.missing { color: var(--muted); font-size: 13px; }
.periods { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr));
           gap: 16px; }
.periods .card { padding: 14px 18px; min-width: 0; }
.periods h3 { margin: 0 0 6px; font-size: 18px; }
.periods table.figures { font-size: 14px; }
.periods table.figures th { width: 58%; }
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
.coverage-missing, .coverage-rows { overflow-wrap: anywhere; }
details table.figures td { text-align: left; }
@media (max-width: 560px) {
  main { padding: 20px 12px 36px; }
  h1 { font-size: 22px; }
  .card { padding: 4px 12px; }
  table.figures th { width: 55%; }
  ul.alerts .sev { display: block; }
}
@page { size: A4; margin: 14mm 12mm; }
@media print { body { background: #fff; } .card { box-shadow: none; } a { color: inherit; }
               main { max-width: none; padding: 0; } }
""".replace("$FONTS", FONT_STACK)


_FOOTER = ("由 recon_lib 生成，可离线打开。", "Generated by recon_lib. Self-contained: opens offline.")
SEVERITY_ZH = {"critical": "严重", "warning": "警告", "info": "提示"}


def _page(title: str, body: str, *, run: str = "") -> str:
    attributes = f' data-run="{escape(run)}"' if run else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main{attributes}>\n{body}\n"
        f"<footer>{escape(both(*_FOOTER))}</footer>\n"
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
        quiet = both("没有预警：没有规则被触发。", "No alerts: no rule was breached.")
        return f'<section class="card"><p class="no-alerts">{escape(quiet)}</p></section>'
    items = []
    for severity, message, links in alerts:
        css = escape(severity)  # validated with the rules: info, warning or critical
        refs = " · ".join(f'<a href="{escape(_href(Path(path), out_dir))}">{escape(label)}</a>'
                          for label, path in links)
        evidence = (f'<span class="evidence">{escape(both("依据", "Evidence"))}: {refs}</span>'
                    if refs else "")
        word = both(SEVERITY_ZH.get(severity, severity), severity.upper())
        items.append(f'<li class="{css}"><span class="sev">{escape(word)}</span> '
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


def _badges(section: RenderedNotebook, totals: Mapping[str, tuple[int, float]] | None,
            partial: set[str]) -> str:
    """What a section holds, not merely that it rendered: its findings and their money, no
    findings, or an analysis page; checks of it not made; a failed run."""
    badges = []
    if not section.ok:
        badges.append(("failed", both("失败", "FAILED")))
    if totals is not None and section.name in totals:
        n, amount = totals[section.name]
        if n:
            badges.append(("findings", f"{labels.count(n)} · {yuan(amount)}"))
        else:
            badges.append(("clean", both("无差异", "No findings")))
    elif section.ok and totals is not None:
        badges.append(("analysis", both("分析", "Analysis")))
    if section.name in partial:
        badges.append(("partial", both("部分未核对", "Not all checked")))
    if section.ok and not badges:  # nobody said what the section holds: it rendered
        badges.append(("analysis", both("已生成", "Rendered")))
    spans = "".join(f'<span class="badge {css}">{escape(text)}</span>' for css, text in badges)
    return f'<span class="badges">{spans}</span>'


def _section_item(section: RenderedNotebook, out_dir: Path,
                  totals: Mapping[str, tuple[int, float]] | None = None,
                  partial: set[str] | frozenset[str] = frozenset()) -> str:
    title = escape(section.title or section.name)
    if Path(section.html).is_file():
        name = f'<a class="name" href="{escape(_href(section.html, out_dir))}">{title}</a>'
    else:
        missing = both("没有报告文件", "no report file")
        name = f'<span class="name">{title}</span><span class="missing">{escape(missing)}</span>'
    badges = _badges(section, totals, set(partial))
    if section.ok:
        return f'<li class="ok">{name}{badges}</li>'
    error = f'<p class="error">{escape(section.error)}</p>' if section.error else ""
    return f'<li class="failed">{name}{badges}{error}</li>'


def _h1(zh: str, en: str) -> str:
    """The page's heading: Chinese, with the English on a smaller line (English alone in
    ``en``)."""
    if labels.language() == "en":
        return f"<h1>{escape(en)}</h1>"
    return f'<h1>{escape(zh)} <span class="en">{escape(en)}</span></h1>'


def _provenance(run: tuple[str, datetime] | None) -> str:
    if run is None:
        return ""
    run_id, when = run
    text = both(f"本页来自 {when:%Y-%m-%d %H:%M} 的运行 {run_id}。",
                f"From run {run_id} of {when:%Y-%m-%d %H:%M}.")
    return f'<p class="provenance">{escape(text)}</p>'


def write_period_index(
    period_label: str,
    out_dir: Path | str,
    sections: Sequence[RenderedNotebook],
    headline: Iterable[tuple[str, str]] = (),
    status: str = "",
    downloads: Iterable[tuple[str, Path]] = (),
    alerts: Sequence[tuple[str, str, Sequence[tuple[str, Path]]]] | None = None,
    coverage: Coverage | None = None,
    *,
    section_totals: Mapping[str, tuple[int, float]] | None = None,
    run: tuple[str, datetime] | None = None,
    first: Sequence[tuple[str, str, str, str, str, str]] | None = None,
) -> Path:
    """Write ``out_dir/index.html`` for one period and return its path.

    ``headline`` is a list of (label, value) figures shown as a small table; ``status`` a one-line
    summary ("All reconciled", "12 discrepancies"). Each section links to its HTML report, with
    badges saying what it holds: ``section_totals`` maps a section's name (a reconciliation's,
    e.g. ``"freight"``: ``results.section_totals``) to its (findings, money at stake), shown as
    ``66 条 · ¥1,077.51`` or ``无差异 No findings``; the other sections are marked as analysis
    pages. Failed sections (``ok=False``) are marked 失败 FAILED with their error. ``downloads``
    lists (label, file) pairs (workbooks next to the page) linked under "Files". ``alerts``
    lists the breached alerts as (severity, message, [(label, evidence file)]), most severe
    first; they open the page, above the headline, coloured by severity, and an empty list says
    "No alerts" (None leaves the block out). ``coverage`` opens the page with what the run could
    check: the checks not made and why, and every source's state; a section with a check not
    made is marked 部分未核对 Not all checked. ``run`` is (run id, when) the figures came from,
    shown under the title and kept on the page for :func:`mark_stale`. ``first`` opens the
    page with "What to do first": the open items with the most money at stake, as (amount,
    reason, key, owner, age, section page name), largest first.
    """
    out_dir = Path(out_dir)
    title = both(f"对账报告 {period_label}", f"Reconciliation report {period_label}")
    failed = [s for s in sections if not s.ok]
    partial = ({c.check.recon for c in coverage.not_checked} if coverage is not None
               else set())
    parts = [f"<header>\n{_h1(f'对账报告 {period_label}', f'Reconciliation report {period_label}')}"]
    if status:
        parts.append(f'<p class="status">{escape(status)}</p>')
    parts.append(_provenance(run))
    if failed:
        notice = both(f"{len(sections)} 个部分中有 {len(failed)} 个运行失败，其页面显示在哪里停止。",
                      f"{len(failed)} of {len(sections)} section(s) failed to run; their pages "
                      "show where they stopped.")
        parts.append(f'<p class="notice">{escape(notice)}</p>')
    parts.append("</header>")
    if first is not None:
        parts.append(_first_block(first, out_dir))
    if coverage is not None:
        parts.append(_coverage_block(coverage))
    if alerts is not None:
        parts.append(f"<h2>{escape(both('预警', 'Alerts'))}</h2>\n{_alerts_block(alerts, out_dir)}")
    figures = _figures_table(headline)
    if figures:
        parts.append(f"<h2>{escape(both('关键数字', 'Headline figures'))}</h2>\n"
                     f'<section class="card">{figures}</section>')
    parts.append(f"<h2>{escape(both('各部分', 'Sections'))}</h2>")
    if sections:
        items = "\n".join(_section_item(s, out_dir, section_totals, partial) for s in sections)
        parts.append(f'<section class="card">\n<ol class="sections">\n{items}\n</ol>\n</section>')
    else:
        none = both("没有任何部分。", "No sections.")
        parts.append(f'<section class="card"><p class="missing">{escape(none)}</p></section>')
    files = [(label, path) for label, path in downloads]
    if files:
        links = "\n".join(f'<li><a href="{escape(_href(Path(path), out_dir))}">{escape(label)}</a>'
                          "</li>" for label, path in files)
        parts.append(f"<h2>{escape(both('文件', 'Files'))}</h2>\n"
                     f'<section class="card">\n<ul class="files">\n{links}\n</ul>\n</section>')
    return _write(out_dir / "index.html",
                  _page(title, "\n".join(parts), run=run[0] if run else ""))


def _first_block(first: Sequence[tuple[str, str, str, str, str, str]], out_dir: Path) -> str:
    """"What to do first": the biggest open items, each with its owner, age and evidence."""
    heading = escape(both("优先处理", "What to do first"))
    if not first:
        none = both("没有待处理的事项。", "Nothing is open.")
        return f'<h2>{heading}</h2>\n<section class="card"><p class="missing">{escape(none)}</p></section>'
    head = "".join(f"<th>{escape(both(zh, en))}</th>" for zh, en in (
        ("金额", "Amount"), ("事项", "Item"), ("单号", "Key"), ("负责人", "Owner"),
        ("天数", "Age, days"), ("依据", "Evidence")))
    rows = []
    for amount, reason, key, owner, age, section in first:
        page = out_dir / f"{section}.html"
        link = (f'<a href="{escape(_href(page, out_dir))}">{escape(section)}.html</a>'
                if page.exists() else "")
        book = out_dir / "exceptions.xlsx"
        if book.exists():
            link += (" · " if link else "") + \
                f'<a href="{escape(_href(book, out_dir))}">exceptions.xlsx</a>'
        rows.append(f'<tr><td class="num">{escape(amount)}</td><td>{escape(reason)}</td>'
                    f"<td>{escape(key)}</td><td>{escape(owner)}</td>"
                    f'<td class="num">{escape(age)}</td><td>{link}</td></tr>')
    return (f'<h2>{heading}</h2>\n<section class="card first">\n<table class="first">'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows)
            + "\n</tbody></table>\n</section>")


def _coverage_block(coverage: Coverage) -> str:
    """"What this run could check": checks not made (with why), rows not comparable, sources."""
    kind = "card coverage" + ("" if coverage.complete else " incomplete")
    heading = both("本期核对范围", "What this run could check")
    lines = [f'<h2>{escape(heading)}</h2>\n<section class="{kind}">',
             f'<p class="status">{escape(coverage.summary())}</p>']
    if coverage.not_checked:
        items = "\n".join(
            f"<li><strong>{escape(c.check.title)}</strong>"
            + (f" ({escape(c.scope)})" if c.scope else "")
            + f": {escape(both('未核对', 'not checked'))}: {escape(c.reason)}"
            + (f"; {escape(both(f'{c.withheld:,} 条差异未列出', f'{c.withheld:,} finding(s) withheld'))}"
               if c.withheld else "") + "</li>"
            for c in coverage.not_checked)
        lines.append(f'<ul class="coverage-missing">\n{items}\n</ul>')
    if coverage.rows:
        items = "\n".join(
            f"<li>{escape(labels.reason(r.reason_code))}: "
            f"{escape(both(f'{r.rows:,} 行无法比较', f'{r.rows:,} row(s) not comparable'))}: "
            f"{escape(r.reason)} ({escape(r.field)})</li>" for r in coverage.rows)
        lines.append(f'<ul class="coverage-rows">\n{items}\n</ul>')
    cells = "\n".join(
        f"<tr><td>{escape(s.label)}</td><td>{escape(labels.term('source_state', s.state))}"
        f"</td><td>{s.rows:,}</td></tr>" for s in coverage.sources)
    head = "".join(f"<th>{escape(labels.column(c))}</th>" for c in ("source", "state", "rows"))
    lines.append(f"<details><summary>{escape(both('数据来源', 'Sources'))}</summary>\n"
                 f'<table class="figures">\n<tr>{head}</tr>\n{cells}\n</table>'
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
            missing = both("尚无报告", "no report yet")
            heading = f'{escape(label)} <span class="missing">{escape(missing)}</span>'
        cards.append(
            f'<article class="card">\n<h3>{heading}</h3>\n{_figures_table(headline)}\n</article>'
        )
    title = both("对账报告", "Reconciliation reports")
    body = [f"<header>\n{_h1('对账报告', 'Reconciliation reports')}"]
    count = both(f"共 {len(periods)} 个期间", f"{len(periods)} period(s)")
    body.append(f'<p class="status">{escape(count)}</p>\n</header>')
    if cards:
        body.append('<div class="periods">\n' + "\n".join(cards) + "\n</div>")
    return _write(reports_dir / "index.html", _page(title, "\n".join(body)))


_STALE = re.compile(r'<p class="(?:recon-note )?stale" id="recon-stale">.*?</p>\n?', re.S)
_MAIN = re.compile(r"<main\b[^>]*>")


def mark_stale(out_dir: Path | str, run_id: str, when: datetime) -> list[Path]:
    """Mark every page of a period's report folder as older than run ``run_id`` (at ``when``),
    which did not re-render them (``recon run --no-report``): a banner at the top of each page
    says its figures may be out of date and how to refresh them. A page that was marked before
    is marked again with the newer run; a later run that renders the report writes fresh pages
    without it. Returns the pages marked."""
    out_dir = Path(out_dir)
    text = both(
        f"此页早于 {when:%Y-%m-%d %H:%M} 的运行 {run_id}：那次运行没有重新生成报告"
        "（--no-report），页上的数字可能已过时。重新运行 recon run（不加 --no-report）即可更新。",
        f"This page predates run {run_id} of {when:%Y-%m-%d %H:%M}, which did not re-render the "
        "report (--no-report): its figures may be out of date. Run recon run without "
        "--no-report to refresh it.")
    marked = []
    for page in sorted(out_dir.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        main = _MAIN.search(html)
        if main is None:
            continue
        banner = f'<p class="recon-note stale" id="recon-stale">{escape(text)}</p>\n'
        html = _STALE.sub("", html)
        main = _MAIN.search(html)
        html = html[:main.end()] + "\n" + banner + html[main.end():].lstrip("\n")
        _write(page, html)
        marked.append(page)
    return marked
