"""The period run: load, reconcile, render the reports. One function, used by the CLI and tests."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from recon_lib import alerts, analytics, config, register, results
from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.db import Database
from recon_lib.errors import EXIT_DISCREPANCIES, EXIT_OK, InputError
from recon_lib.formats import yuan
from recon_lib.load import load_period
from recon_lib.periods import Period, parse_period
from recon_lib.recons import freight, outbound, payments, returns, shipping
from recon_lib.recons.base import RunContext
from recon_lib.report import (
    NotebookFailed,
    RenderedNotebook,
    run_notebook,
    write_period_index,
    write_reports_index,
)
from recon_lib.report.claims import write_claims
from recon_lib.report.exceptions import write_exceptions

log = logging.getLogger(__name__)

RECONCILIATIONS = (shipping, outbound, freight, returns, payments)
"""Every reconciliation, in the order they run."""

SECTIONS = ("money", "shipping", "outbound", "freight", "returns", "payments", "inventory",
            "trends", "service")
"""Report sections: ``notebooks/<name>.ipynb``, rendered in this order."""


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

    @property
    def exit_code(self) -> int:
        return EXIT_DISCREPANCIES if sum(self.findings.values()) else EXIT_OK


def reconcile_period(db: Database, period: Period, settings: Settings = DEFAULT_SETTINGS,
                     run_id: str | None = None) -> dict[str, int]:
    """Run every reconciliation on what is loaded; returns findings per reconciliation."""
    run_id = run_id or f"{period.label}-{datetime.now():%Y%m%dT%H%M%S%f}"
    db.run("runs_start", run_id=run_id, period=period.label, started=datetime.now(),
           parameters=json.dumps(asdict(settings), ensure_ascii=False))
    ctx = RunContext(db=db, period=period, run_id=run_id, settings=settings)
    findings = {}
    for recon in RECONCILIATIONS:
        started = time.perf_counter()
        findings[recon.RECON] = recon.reconcile(ctx)
        log.info("reconciled %s in %.1f s", recon.RECON, time.perf_counter() - started)
    register.sync(db, period)
    with db.transaction():
        db.run("lifecycle_clear", period=period.label)
        db.run("lifecycle_insert", period=period.label, **period.bounds())
    db.run("runs_finish", now=datetime.now(), run_id=run_id)
    return findings


def headline(db: Database, period: str) -> list[tuple[str, str]]:
    """The executive summary at the top of the period's index page: money at stake, the
    register against last period, key operations indicators, and findings per reconciliation."""
    p = parse_period(period)
    money = db.query("money_at_stake", period=period).iloc[0]
    rows = [
        ("快递索赔 Claims against couriers", yuan(money.courier_claims)),
        ("已退款未收货 Refunds paid, goods not back", yuan(money.refunds_not_received)),
        ("超期应收 Receivables overdue", yuan(money.receivables_overdue)),
        ("多收费用 Platform fees above schedule", yuan(money.fee_overcharges)),
    ]
    now, before = register.period_counts(db, p), register.period_counts(db, p.previous())
    if len(now):
        def triple(c):
            return (f"{int(c.new_items.sum()):,} / {int(c.carried.sum()):,} / "
                    f"{int(c.resolved.sum()):,}") if len(c) else "-"
        rows.append(("register: new / carried / resolved", triple(now)))
        rows.append((f"  last period ({p.previous().label})", triple(before)))
    satisfaction = analytics.satisfaction(db, period)
    overall = satisfaction[satisfaction["channel"] == "all"]
    if len(overall) and overall["on_time_rate"].notna().any():
        rows.append(("准时交付 On-time delivery", f"{float(overall['on_time_rate'].iloc[0]):.1%}"))
    trends = analytics.channel_trends(db, period, grain="month")
    latest = trends[trends["bucket_start"] == trends["bucket_start"].max()] if len(trends) else trends
    if len(latest) and latest["orders"].sum():
        rate = latest["returns"].sum() / latest["orders"].sum()
        rows.append(("退货率 Return rate", f"{rate:.1%}"))
    alerts = analytics.safety_stock_alerts(db, period)
    rows.append(("库存预警 Stock at or below safety stock", f"{len(alerts):,} SKU x warehouse"))
    summary = results.summary(db, period)
    for recon, part in summary.groupby("recon", sort=False):
        rows.append((f"{recon}: findings / money at stake",
                     f"{int(part['findings'].sum()):,} / {yuan(part['amount'].sum())}"))
    return rows


def run_period(period: Period, *, data_dir: Path | None = None, reports_dir: Path | None = None,
               db_path: Path | None = None, settings: Settings = DEFAULT_SETTINGS,
               render: bool = True, alert_rules: alerts.RuleSet | None = None) -> RunOutcome:
    """Load the period's raw files, reconcile, and write ``reports/<period>/``.

    ``alert_rules`` (default: :func:`alerts.load_rules`, the project's ``alerts.yml`` or the
    built-in rules) are evaluated after reconciling; ``alerts.json`` is written even when
    ``render`` is False, and the breached alerts open the index page.

    Raises :class:`~recon_lib.errors.InputError` on bad input (nothing stored changes) and
    :class:`~recon_lib.errors.StepError` when a notebook fails (its partial copy is kept).
    """
    # absolute: the notebooks' kernels run in notebooks/, where a relative path means another file
    reports_dir = Path(reports_dir or config.REPORTS_DIR).absolute()
    db_path = Path(db_path or config.DEFAULT_DB).absolute()
    run_id = f"{period.label}-{datetime.now():%Y%m%dT%H%M%S%f}"
    out_dir = reports_dir / period.label
    rules = alert_rules if alert_rules is not None else alerts.load_rules()
    with Database(db_path) as db:
        report = load_period(db, period, data_dir=data_dir)
        log.info("loaded %d files", len(report.files))
        findings = reconcile_period(db, period, settings, run_id)
        figures = headline(db, period.label)
        checked = alerts.evaluate(db, period, rules.rules, settings)
        alerts_json = alerts.write_json(out_dir / alerts.JSON_NAME, period, checked, rules.source)
        downloads = []
        if render:
            book = write_exceptions(db, period, out_dir)
            downloads.append(("异常清单与登记簿 Exceptions and register (exceptions.xlsx)", book))
            for path in write_claims(db, period, out_dir):
                downloads.append((f"快递索赔 Freight claims ({path.name})", path))
    if not render:
        return RunOutcome(period.label, run_id, findings, None, alerts=checked,
                          alerts_json=alerts_json)

    # the database is closed above: a notebook's kernel opens it read-only in its own process
    sections, failures = [], []
    for name in SECTIONS:
        log.info("rendering %s", name)
        try:
            sections.append(run_notebook(config.NOTEBOOKS_DIR / f"{name}.ipynb", out_dir,
                                         {"period": period.label, "db_path": str(db_path)}))
        except NotebookFailed as exc:  # keep going: the index marks it, then the run fails
            sections.append(exc.rendered)
            failures.append(exc)
    total = sum(findings.values())
    status = (f"{total:,} discrepancies need attention" if total
              else "Everything reconciles: no discrepancies found")
    shown = [(a.severity, a.message, _evidence_links(a, out_dir))
             for a in alerts.breached(checked)]
    index = write_period_index(period.label, out_dir, sections, figures, status, downloads,
                               alerts=shown)
    _update_reports_index(reports_dir, db_path)
    if failures:
        raise failures[0]
    return RunOutcome(period.label, run_id, findings, index, sections, alerts=checked,
                      alerts_json=alerts_json)


def _evidence_links(alert: alerts.Alert, out_dir: Path) -> list[tuple[str, Path]]:
    """An alert's evidence as (label, file) links for the index page: files that exist."""
    ev = alert.evidence
    links = [(f"section {ev['report']}", out_dir / ev["report"])]
    if "sheet" in ev:
        links.append((f"{ev['workbook']}: {ev['sheet']}", out_dir / ev["workbook"]))
    if "claims" in ev:
        links.append((ev["claims"], out_dir / ev["claims"]))
    return [(label, path) for label, path in links if path.is_file()]


def _update_reports_index(reports_dir: Path, db_path: Path) -> None:
    periods = sorted((p.name for p in reports_dir.iterdir()
                      if p.is_dir() and (p / "index.html").exists()), key=_newest_first)
    with Database(db_path, read_only=True) as db:
        write_reports_index(reports_dir, [(p, headline(db, p)) for p in periods])


def _newest_first(label: str) -> tuple:
    """Latest end first, then the longer period (the month before its last day); labels that
    are not periods last."""
    try:
        p = parse_period(label)
    except InputError:
        return (1, label)
    return (0, -p.end.toordinal(), p.start.toordinal(), label)
