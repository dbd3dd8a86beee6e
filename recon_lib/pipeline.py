"""The period run: load, reconcile, render the reports. One function, used by the CLI and tests."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from recon_lib import alerts, analytics, config, coverage, journal, labels, register, results
from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.coverage import Coverage
from recon_lib.db import Database
from recon_lib.errors import EXIT_DISCREPANCIES, EXIT_OK, InputError, Problem
from recon_lib.formats import yuan
from recon_lib.load import LoadReport, load_period, load_profiles, profile_dirs
from recon_lib.periods import Period, parse_period
from recon_lib.recons import (
    claims,
    cod,
    freight,
    intake,
    outbound,
    payments,
    purchase,
    returns,
    shipping,
)
from recon_lib.recons.base import RunContext
from recon_lib.report import (
    NotebookFailed,
    RenderedNotebook,
    write_period_index,
    write_reports_index,
)
from recon_lib.report.claims import write_claims
from recon_lib.report.exceptions import guard_edits, write_exceptions
from recon_lib.report.index import mark_stale
from recon_lib.report.journal import write_journal
from recon_lib.report.render import render_sections

log = logging.getLogger(__name__)

RECONCILIATIONS = (intake, shipping, outbound, freight, claims, returns, payments, cod,
                   purchase)
"""Every reconciliation, in the order they run."""

SECTIONS = ("money", "pnl", "intake", "shipping", "outbound", "freight", "claims",
            "carrier_choice", "returns", "payments",
            "cod", "purchase", "inventory", "trends", "service")
"""Report sections: ``notebooks/<name>.ipynb``, rendered in this order."""


class _Steps:
    """The step the run is in, and the seconds each step took (``recon run --timings``)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.current, self.started, self.seconds = "", time.perf_counter(), {}

    def at(self, step: str) -> None:
        now = time.perf_counter()
        if self.current:
            spent = now - self.started
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + spent
            log.info("step %s: %.2f s", self.current, spent)
        self.current, self.started = step, now


_steps = _Steps()


def current_step() -> str:
    """The step the period run is in (or ended in): named when an unexpected error stops it."""
    return _steps.current


def _at(step: str) -> None:
    _steps.at(step)


@dataclass(frozen=True)
class RunOutcome:
    period: str
    run_id: str
    findings: dict[str, int]
    index_html: Path | None
    sections: list[RenderedNotebook] = field(default_factory=list)
    alerts: list[alerts.Alert] = field(default_factory=list)
    """Every rule evaluated on the period, breached ones first (see recon_lib/alerts.py)."""
    alerts_json: Path | None = None
    coverage: Coverage | None = None
    """What the run could check (see recon_lib/coverage.py)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step of the run (load, each reconciliation, workbooks, each page...)."""

    @property
    def exit_code(self) -> int:
        return EXIT_DISCREPANCIES if sum(self.findings.values()) else EXIT_OK


@dataclass(frozen=True)
class Reconciled:
    """What :func:`reconcile_period` found, and what it could check."""

    run_id: str
    findings: dict[str, int]
    """Findings stored per reconciliation (those of checks not made are withheld)."""
    coverage: Coverage


def all_checks() -> list[coverage.Check]:
    """Every check of every reconciliation, in run order."""
    return [check for recon in RECONCILIATIONS for check in recon.CHECKS]


def assess_coverage(db: Database, period: Period, loaded: LoadReport | None = None,
                    require: tuple[str, ...] = ()) -> Coverage:
    """The period's sources and which checks they allow, before anything is reconciled."""
    files: dict[str, list[tuple[str, int]]] = {}
    for f in loaded.files if loaded is not None else ():
        files.setdefault(f.table, []).append((f.file, f.rows))
    checks = all_checks()
    needs = [n for c in checks for n in c.needs] + list(require)
    context = [n for c in checks for n in c.context]
    sources = coverage.source_states(db, period, needs, files, context)
    return Coverage(period.label, tuple(sources), tuple(coverage.assess(db, period, checks,
                                                                        sources)))


def reconcile_period(db: Database, period: Period, settings: Settings = DEFAULT_SETTINGS,
                     run_id: str | None = None, loaded: LoadReport | None = None) -> Reconciled:
    """Run every reconciliation on what is loaded; returns findings per reconciliation and the
    coverage. A check whose sources are absent is not checked: its findings are withheld and
    the register closes none of its items. Raises InputError (nothing changed) when a source of
    ``settings.require`` is missing or when no check at all can be made."""
    run_id = run_id or f"{period.label}-{datetime.now():%Y%m%dT%H%M%S%f}"
    _at("coverage")
    cov = assess_coverage(db, period, loaded, settings.require)
    coverage.required(cov, settings.require)
    if cov.nothing_checked:
        missing = [s for s in cov.sources
                   if s.state != coverage.LOADED and "." not in s.name and s.span == coverage.PERIOD]
        raise InputError(
            f"period {period.label}: nothing to reconcile: no check has the data it needs",
            [Problem(s.name, s.why_not(period.label)) for s in missing])
    db.run("runs_start", run_id=run_id, period=period.label, started=datetime.now(),
           parameters=json.dumps(asdict(settings), ensure_ascii=False))
    ctx = RunContext(db=db, period=period, run_id=run_id, settings=settings)
    rows = []
    for recon in RECONCILIATIONS:
        started = time.perf_counter()
        _at(f"reconcile {recon.RECON}")
        recon.reconcile(ctx)
        rows += coverage.unchecked_rows(db, recon.RECON, period, run_id)
        log.info("reconciled %s in %.1f s", recon.RECON, time.perf_counter() - started)
    _at("coverage")
    checks = coverage.withhold(db, run_id, period, list(cov.checks))
    cov = Coverage(period.label, cov.sources, tuple(checks), tuple(rows))
    coverage.store(db, run_id, cov)
    findings = {recon.RECON: int(db.value("findings_count", run_id=run_id, recon=recon.RECON))
                for recon in RECONCILIATIONS}
    _at("register")
    register.sync(db, period)
    _at("lifecycle")
    with db.transaction():
        db.run("lifecycle_clear", period=period.label)
        db.run("lifecycle_insert", period=period.label, **period.bounds())
    with db.transaction():
        db.run("runs_prune_results", period=period.label, run_id=run_id)
        db.run("runs_prune_stats", period=period.label, run_id=run_id)
    db.run("runs_finish", now=datetime.now(), run_id=run_id)
    return Reconciled(run_id, findings, cov)


def headline(db: Database, period: str) -> list[tuple[str, str]]:
    """The executive summary at the top of the period's index page: money at stake, the
    register against last period and key operations indicators (findings and money per
    reconciliation are on the sections' badges).

    Receivables overdue at the period's end are two figures that add up (one definition:
    :func:`results.receivables`): sales the platforms had not settled past their cycle, and
    payouts overdue at the bank, of which the part for the period's orders is what the money
    page's "overdue at the bank" counts."""
    p = parse_period(period)
    money = db.query("money_at_stake", period=period, period_end=p.end_ts).iloc[0]
    due = results.receivables(db, period)
    at_bank = f"{yuan(due['at_bank'])} ({due['at_bank_payouts']:,} 笔 payouts)"
    if due["at_bank_payouts"]:
        ours = due["at_bank_period_orders"]
        at_bank += (f" = {yuan(ours)} 本期订单 for orders paid in {period} + "
                    f"{yuan(due['at_bank'] - ours)} 其他 other orders")
    rows = [
        ("超期应收 Receivables overdue at the period's end", yuan(due["overdue"])),
        ("  平台超期未结算 Not settled by the platforms",
         f"{yuan(due['not_settled'])} ({due['not_settled_orders']:,} 单 orders)"),
        ("  提现未到账 Paid out, overdue at the bank", at_bank),
        ("快递索赔 Claims against couriers", yuan(money.courier_claims)),
        ("已退款未收货 Refunds paid, goods not back", yuan(money.refunds_not_received)),
        ("多收费用 Platform fees above schedule", yuan(money.fee_overcharges)),
    ]
    now, before = register.period_counts(db, p), register.period_counts(db, p.previous())
    if len(now):
        def triple(c):
            return (f"{int(c.new_items.sum()):,} / {int(c.carried.sum()):,} / "
                    f"{int(c.resolved.sum()):,}") if len(c) else "-"
        rows.append(("登记簿 新增 / 结转 / 已解决 Register: new / carried / resolved", triple(now)))
        rows.append((f"  上期 Last period ({p.previous().label})", triple(before)))
    satisfaction = analytics.satisfaction(db, period)
    overall = satisfaction[satisfaction["channel"] == "all"]
    if len(overall) and overall["on_time_rate"].notna().any():
        rows.append(("准时交付 On-time delivery", f"{float(overall['on_time_rate'].iloc[0]):.1%}"))
    trends = analytics.channel_trends(db, period, grain="month")
    latest = trends[trends["bucket_start"] == trends["bucket_start"].max()] if len(trends) else trends
    if len(latest) and latest["orders"].sum():
        rate = latest["returns"].sum() / latest["orders"].sum()
        rows.append(("退货率 Return rate", f"{rate:.1%}"))
    low = analytics.safety_stock_alerts(db, period)
    rows.append(("库存预警 Stock at or below safety stock",
                 f"{len(low):,} 个 仓库×商品 SKU x warehouse"))
    return rows


def run_period(period: Period, *, data_dir: Path | None = None, reports_dir: Path | None = None,
               db_path: Path | None = None, settings: Settings = DEFAULT_SETTINGS,
               render: bool = True, alert_rules: alerts.RuleSet | None = None,
               profiles_dirs: Sequence[Path] = (), edits: str | None = None) -> RunOutcome:
    """Load the period's raw files, reconcile, and write ``reports/<period>/``.

    ``alert_rules`` (default: :func:`alerts.load_rules`, the project's ``alerts.yml`` or the
    built-in rules) are evaluated after reconciling; ``alerts.json`` is written even when
    ``render`` is False, and the breached alerts open the index page. Files are recognised by
    the built-in profiles, the project's ``profiles/`` folder and ``profiles_dirs``.

    Raises :class:`~recon_lib.errors.InputError` on bad input (nothing stored changes) and
    :class:`~recon_lib.errors.StepError` when a notebook fails (its partial copy is kept).
    When ``reports/<period>/exceptions.xlsx`` holds edits not applied yet, the run refuses
    before anything changes (InputError), unless ``edits`` is ``"apply"`` (apply them first, as
    ``recon resolve``) or ``"discard"`` (set the file aside): see
    :func:`recon_lib.report.exceptions.guard_edits`.
    """
    # absolute: the notebooks' kernels run in notebooks/, where a relative path means another file
    reports_dir = Path(reports_dir or config.REPORTS_DIR).absolute()
    db_path = Path(db_path or config.DEFAULT_DB).absolute()
    run_id = f"{period.label}-{datetime.now():%Y%m%dT%H%M%S%f}"
    out_dir = reports_dir / period.label
    rules = alert_rules if alert_rules is not None else alerts.load_rules()
    accounts = journal.load_accounts() if render else None  # a broken mapping stops the run here
    if reports_dir.exists() and not reports_dir.is_dir():
        raise InputError(f"--reports-dir {reports_dir} is a file, not a folder: reports need a "
                         "folder (it is created when missing)")
    _steps.reset()
    _at(f"open {db_path.name}")
    with Database(db_path) as db:
        _at("unapplied edits")
        guard_edits(db, out_dir, edits)
        _at("load")
        report = load_period(db, period, data_dir=data_dir, require=settings.require,
                             profiles=load_profiles(profile_dirs(profiles_dirs)))
        log.info("loaded %d files", len(report.files))
        done = reconcile_period(db, period, settings, run_id, loaded=report)
        findings, cov = done.findings, done.coverage
        _at("headline and alerts")
        figures = headline(db, period.label)
        totals = results.section_totals(db, period.label)
        first = [(yuan(r.amount) if r.amount == r.amount else "-", labels.reason(r.reason_code),
                  r.key, r.owner or "-", f"{int(r.age_days):,}", r.recon)
                 for r in results.first_to_do(db, period.label).itertuples(index=False)]
        checked = alerts.evaluate(db, period, rules.rules, settings, coverage=cov)
        alerts_json = alerts.write_json(out_dir / alerts.JSON_NAME, period, checked, rules.source,
                                        coverage=cov)
        downloads = []
        if render:
            _at("workbooks")
            book = write_exceptions(db, period, out_dir)
            downloads.append(("异常清单与登记簿 Exceptions and register (exceptions.xlsx)", book))
            for path in write_claims(db, period, out_dir, settings):
                downloads.append((f"快递索赔 Freight claims ({path.name})", path))
            for path in write_journal(db, period, out_dir, accounts):
                downloads.append((f"记账凭证 Journal entries ({path.name})", path))
    if not render:
        # pages of an earlier run stay, marked with the run they came from
        mark_stale(out_dir, run_id, datetime.now())
        _at("")
        return RunOutcome(period.label, run_id, findings, None, alerts=checked,
                          alerts_json=alerts_json, coverage=cov, timings=dict(_steps.seconds))

    # The notebooks' kernels open the database read-only in their own processes. This process
    # holds a read-only connection too until the pages are written: DuckDB then refuses a
    # writer, so a second run cannot change the data under the report being rendered.
    with Database(db_path, read_only=True):
        _at("pages")
        sections, failures = [], []
        pages = render_sections([config.NOTEBOOKS_DIR / f"{name}.ipynb" for name in SECTIONS],
                                out_dir, {"period": period.label, "db_path": str(db_path)})
        for rendered, error in pages:  # a failed page is marked on the index, then the run fails
            sections.append(rendered)
            if error is not None:
                failures.append(NotebookFailed(error, rendered))
        _at("index pages")
        status = run_status(findings, cov)
        shown = [(a.severity, a.message, _evidence_links(a, out_dir))
                 for a in alerts.breached(checked)]
        index = write_period_index(period.label, out_dir, sections, figures, status, downloads,
                                   alerts=shown, coverage=cov, section_totals=totals,
                                   run=(run_id, datetime.now()), first=first)
        _save_headline(out_dir, figures)
        _update_reports_index(reports_dir, db_path, {period.label: figures})
    _at("")
    if failures:
        raise failures[0]
    return RunOutcome(period.label, run_id, findings, index, sections, alerts=checked,
                      alerts_json=alerts_json, coverage=cov, timings=dict(_steps.seconds))


def run_status(findings: dict[str, int], cov: Coverage) -> str:
    """The period's one-line status: never "everything reconciles" when checks were not run."""
    total = sum(findings.values())
    found = (f"{total:,} 条差异待处理 {total:,} discrepancies need attention" if total
             else "全部相符 Everything reconciles: no discrepancies found")
    if not cov.complete:
        if not total:
            found = "已核对部分无差异 No discrepancies in what ran"
        return f"{found}; {cov.summary()}"
    return found


def _evidence_links(alert: alerts.Alert, out_dir: Path) -> list[tuple[str, Path]]:
    """An alert's evidence as (label, file) links for the index page: files that exist."""
    ev = alert.evidence
    links = [(f"section {ev['report']}", out_dir / ev["report"])]
    if "sheet" in ev:
        links.append((f"{ev['workbook']}: {ev['sheet']}", out_dir / ev["workbook"]))
    if "claims" in ev:
        links.append((ev["claims"], out_dir / ev["claims"]))
    return [(label, path) for label, path in links if path.is_file()]


HEADLINE_FILE = "headline.json"
"""The period's headline figures as its run showed them, beside its index page: the reports
index lists every period's without recomputing them (at a million orders a period's figures
take seconds, and a year holds twelve)."""


def _save_headline(out_dir: Path, figures: list[tuple[str, str]]) -> None:
    path = out_dir / HEADLINE_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps([list(f) for f in figures], ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _saved_headline(out_dir: Path) -> list[tuple[str, str]] | None:
    """The figures a run saved for the period, or None (a report of an older recon_lib, or a
    file that is not what we wrote)."""
    try:
        saved = json.loads((out_dir / HEADLINE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, list) or not all(
            isinstance(f, list) and len(f) == 2 and all(isinstance(v, str) for v in f)
            for f in saved):
        return None
    return [(label, value) for label, value in saved]


def _update_reports_index(reports_dir: Path, db_path: Path,
                          known: dict[str, list[tuple[str, str]]]) -> None:
    periods = sorted((p.name for p in reports_dir.iterdir()
                      if p.is_dir() and (p / "index.html").exists()), key=_newest_first)
    figures = {p: known.get(p) or _saved_headline(reports_dir / p) for p in periods}
    if any(f is None for f in figures.values()):
        with Database(db_path, read_only=True) as db:
            figures = {p: f if f is not None else headline(db, p) for p, f in figures.items()}
    write_reports_index(reports_dir, [(p, figures[p]) for p in periods])


def _newest_first(label: str) -> tuple:
    """Latest end first, then the longer period (the month before its last day); labels that
    are not periods last."""
    try:
        p = parse_period(label)
    except InputError:
        return (1, label)
    return (0, -p.end.toordinal(), p.start.toordinal(), label)
